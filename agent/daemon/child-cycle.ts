import { execFile } from 'node:child_process';
import { isSea } from 'node:sea';
import type { Config } from '../config/types.ts';
import { errorLine } from '../log-line.ts';
import { childEnv } from '../system-programs.ts';
import { DEFAULT_TOKEN_ENV } from '../transport/credentials.ts';
import type { CycleWorker } from './schedule.ts';

// The daemon sleeps an hour between scans. Whatever a cycle loads stays resident all that time: the
// scan's heap (process table, packages, catalog index), and for delivery the report encoders and the
// HTTP and TLS stack. So each cycle, scan and delivery, runs in a child process of the same executable
// (the hidden command below, agent/cli/cycle-command.ts), which returns every byte of it when it exits,
// and the daemon keeps only its config, the scheduler and the spool's lock (daemon/main.ts).
// The child gets the minimal environment; the endpoint token, when it comes from a variable, goes to
// it on stdin with the config, so no program the scan runs could see it. The child keeps the daemon's
// file fingerprints (hash-cache.json in the spool) from one cycle to the next itself.

export const CYCLE_COMMAND = '__cycle';
/** The child's flag: deliver what waits (a retry between cycles) without scanning. */
export const RETRY_FLAG = '--retry';
const TIMEOUT_MS = 15 * 60_000; // a scan bounds its own collectors well within this; delivery its requests
// A killed child whose thread waits on a file system that never answers (FUSE, NFS) cannot die until it
// does; the daemon stops waiting for it this long after the kill and goes on with the next cycle
const REAP_WAIT_MS = 30_000;
const MAX_OUTPUT = 1024 * 1024;
const MAX_CHILD_LOG_LINES = 20;

/** What the daemon gives a cycle child on stdin. */
export interface CycleInput {
  config: Config;
  /** The token's variable when the token comes from one: the child's own environment has no secrets. */
  env: Record<string, string>;
}

/** What a cycle child prints: its log line, and when to retry a failing endpoint. */
export interface CycleOutput {
  line?: string | undefined;
  retryAt?: string | undefined;
}

/**
 * How to start this very program again: the single executable itself (which applies its own V8 flags
 * again, and whose argv[1] is however it was invoked, "./ratwatch" included), or node with the same
 * loader and script.
 */
export function selfCommand(): { cmd: string; args: string[] } {
  return isSea() ? { cmd: process.execPath, args: [] } : { cmd: process.execPath, args: [...process.execArgv, process.argv[1]] };
}

export function cycleInput(config: Config, env: NodeJS.ProcessEnv): CycleInput {
  const name = config.endpoint.tokenEnv ?? DEFAULT_TOKEN_ENV;
  const token = config.endpoint.tokenFile ? undefined : env[name];
  return { config, env: token === undefined ? {} : { [name]: token } };
}

/** The last line of a child's output as a CycleOutput. */
export function parseCycleOutput(stdout: string): CycleOutput {
  const last = stdout.trimEnd().split('\n').at(-1) ?? '';
  const v = JSON.parse(last) as CycleOutput;
  if (typeof v !== 'object' || v === null) throw new Error('not an object');
  const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
  return { line: str(v.line), retryAt: str(v.retryAt) };
}

function runChild(
  input: CycleInput,
  retry: boolean,
  log: (line: string) => void,
  self: { cmd: string; args: string[] },
  stop?: AbortSignal,
): Promise<CycleOutput> {
  const args = [...self.args, CYCLE_COMMAND, ...(retry ? [RETRY_FLAG] : [])];
  return new Promise((resolve, reject) => {
    let settled = false;
    const abandon = setTimeout(() => {
      settled = true;
      stop?.removeEventListener('abort', onStop);
      child.kill('SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.unref();
      reject(
        new Error(`${retry ? 'delivery' : 'scan'} process failed: timed out after ${TIMEOUT_MS / 1000} s and did not exit when killed`),
      );
    }, TIMEOUT_MS + REAP_WAIT_MS);
    const child = execFile(
      self.cmd,
      args,
      { env: childEnv(), timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT, encoding: 'utf8' },
      (error, stdout, stderr) => {
        clearTimeout(abandon);
        if (settled) return;
        stop?.removeEventListener('abort', onStop);
        // the child's warnings (not root, policy, delivery), or a crashed runtime's, belong in the daemon's
        // log: bounded, and escaped line by line by the log like everything else
        for (const line of stderr
          .slice(0, 64 * 1024)
          .split(/\r?\n/)
          .filter((l) => l.trim())
          .slice(0, MAX_CHILD_LOG_LINES))
          log(line);
        if (error) {
          const e = error as NodeJS.ErrnoException & { killed?: boolean };
          const why = e.killed ? `timed out after ${TIMEOUT_MS / 1000} s` : errorLine(e);
          return reject(new Error(`${retry ? 'delivery' : 'scan'} process failed: ${why}`));
        }
        try {
          resolve(parseCycleOutput(stdout));
        } catch (err) {
          reject(new Error(`${retry ? 'delivery' : 'scan'} process printed no result: ${errorLine(err)}`));
        }
      },
    );
    // stopping: the child finishes its scan, keeps the report in the spool and delivers nothing
    const onStop = () => child.kill('SIGTERM');
    if (stop?.aborted) onStop();
    else stop?.addEventListener('abort', onStop, { once: true });
    // a child that exits before reading stdin closes the pipe; its exit status says what happened
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(JSON.stringify(input));
  });
}

/** Each cycle and each retry in a child process; the daemon keeps only the child's retry time. */
export function childCycleWorker(
  config: Config,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  /** The program to start instead of this one; a test's stand-in child. */
  self = selfCommand(),
): CycleWorker {
  const input = cycleInput(config, env);
  let retryAt: Date | undefined;
  const run = async (retry: boolean, stop?: AbortSignal) => {
    const out = await runChild(input, retry, log, self, stop);
    const at = out.retryAt ? new Date(out.retryAt) : undefined;
    retryAt = at && !Number.isNaN(at.getTime()) ? at : undefined;
    return out.line;
  };
  return {
    cycle: async (stop) => (await run(false, stop)) ?? 'no result',
    retryAt: async () => retryAt,
    retry: () => run(true),
  };
}
