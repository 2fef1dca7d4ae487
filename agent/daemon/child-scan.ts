import { execFile } from 'node:child_process';
import { isSea } from 'node:sea';
import type { ScanResult } from '../model.ts';
import { errorLine, stderrLine } from '../log-line.ts';
import { childEnv } from '../system-programs.ts';
import { checkScanResult } from '../validate.ts';
import { parseHashCache, readHashCache, serializeHashCache, writeHashCache } from './hash-cache.ts';

// The daemon sleeps an hour between scans; a scan's heap (process table, packages, catalog index, JSON)
// would stay resident all that time. So each scheduled scan runs in a child process of the same
// executable, which returns every byte of it to the system when it exits, and the daemon keeps only the
// scheduler and the spool. The child gets the minimal environment: scanning needs no token.
// With a state folder, the file fingerprints go to the child on stdin and come back as a second line of
// its output (hash-cache.ts), so a binary unchanged since the last cycle is not read again.

export const CHILD_SCAN_COMMAND = '__scan-once';
/** The child's flag: read fingerprints from stdin, print them after the scan result. */
export const CHILD_IDENTITIES_FLAG = '--identities-stdin';
const TIMEOUT_MS = 15 * 60_000; // a scan bounds its own collectors well within this
const MAX_OUTPUT = 256 * 1024 * 1024;

/**
 * How to start this very program again: the single executable itself (which applies its own V8 flags
 * again, and whose argv[1] is however it was invoked, "./ratwatch" included), or node with the same
 * loader and script.
 */
export function selfCommand(): { cmd: string; args: string[] } {
  return isSea() ? { cmd: process.execPath, args: [] } : { cmd: process.execPath, args: [...process.execArgv, process.argv[1]] };
}

// the child's stderr is its own text, or a crashed runtime's: escaped line by line like everything logged
const log = stderrLine;
const MAX_CHILD_LINES = 20;

export interface ChildScanOptions {
  signal?: AbortSignal;
  /** Folder of the daemon's hash cache (the spool folder); none: the child starts with no fingerprints. */
  stateDir?: string;
  /** The program to start instead of this one (selfCommand()); a test's stand-in child. */
  self?: { cmd: string; args: string[] };
}

export function scanInChild(policyFile: string | undefined, opts: ChildScanOptions = {}): Promise<ScanResult> {
  const self = opts.self ?? selfCommand();
  const { stateDir, signal } = opts;
  const cache = stateDir ? readHashCache(stateDir) : undefined;
  if (cache?.problem) log(`ratwatch: ${cache.problem}`);
  const args = [
    ...self.args,
    CHILD_SCAN_COMMAND,
    ...(policyFile ? ['--policy', policyFile] : []),
    ...(cache ? [CHILD_IDENTITIES_FLAG] : []),
  ];
  return new Promise<{ result: ScanResult; identities?: string | undefined }>((resolve, reject) => {
    const child = execFile(
      self.cmd,
      args,
      { env: childEnv(), timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT, encoding: 'utf8', signal },
      (error, stdout, stderr) => {
        // the child's warnings (not root, policy) belong in the daemon's log
        for (const line of stderr
          .slice(0, 64 * 1024)
          .split(/\r?\n/)
          .filter((l) => l.trim())
          .slice(0, MAX_CHILD_LINES))
          log(line);
        if (error) {
          const e = error as NodeJS.ErrnoException & { killed?: boolean };
          const why = e.killed ? `timed out after ${TIMEOUT_MS / 1000} s` : e.name === 'AbortError' ? 'stopped' : errorLine(e);
          return reject(new Error(`scan process failed: ${why}`));
        }
        // one JSON document per line: the result, then (when asked) the fingerprints
        const nl = cache ? stdout.indexOf('\n') : -1;
        try {
          resolve({
            result: checkScanResult(JSON.parse(nl < 0 ? stdout : stdout.slice(0, nl))),
            identities: nl < 0 ? undefined : stdout.slice(nl + 1),
          });
        } catch (err) {
          reject(new Error(`scan process printed no scan result: ${errorLine(err)}`));
        }
      },
    );
    // a child that exits before reading stdin closes the pipe; its exit status says what happened
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(cache ? serializeHashCache(cache.entries) : undefined);
  }).then(async ({ result, identities }) => {
    if (stateDir && identities !== undefined) {
      const parsed = parseHashCache(identities.trim());
      if ('problem' in parsed) log(`ratwatch: scan process returned no usable fingerprints: ${parsed.problem}`);
      else await writeHashCache(stateDir, parsed.entries).catch((e: Error) => log(`ratwatch: hash cache not saved: ${errorLine(e)}`));
    }
    return result;
  });
}
