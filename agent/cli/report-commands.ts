import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { spoolDirProblem } from '../config/safe-file.ts';
import { acquireDaemonLock, type DaemonLock } from '../daemon/instance-lock.ts';
import { EXIT } from '../vocabulary.ts';
import { stderrLine } from './log.ts';
import { ConfigError, oneLine } from '../config/errors.ts';
import { defaultConfigFile } from '../config/fields.ts';
import { addConfigOptions, configFlags } from '../config/flags.ts';
import { loadConfig, requireEndpoint, resolveConfigPath } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import { runDaemon } from '../daemon/daemon.ts';
import type { ScanResult } from '../model.ts';
import { Reporter } from '../delivery/reporter.ts';
import { checkCredentials } from '../transport/credentials.ts';

export interface ReportCommandDeps {
  /** One scan of this machine with the given config (its policyFile in particular). */
  scanOnce: (config: Config) => Promise<ScanResult>;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Where the exit code goes; run() in program.ts returns its own code, so process.exitCode alone would be lost. */
  setExit?: (code: number) => void;
}

/** Exit code of `flush` when reports are still waiting (endpoint down or refusing). */
export const EXIT_PENDING = EXIT.pending;
const INPUT_ERRORS = new Set(['ConfigError', 'UnsafeFileError', 'DaemonBusyError']);

// Stop after the current cycle; HUP reloads; the others would kill a Node process silently by default,
// so they are logged and ignored (a daemon that vanishes without a line is the failure this prevents).
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGQUIT'];
const IGNORED_SIGNALS: NodeJS.Signals[] = ['SIGUSR1', 'SIGUSR2'];

/** Config for a command that was given addConfigOptions: --config / RATWATCH_CONFIG / platform file, env, flags. */
export function configFromCommand(cmd: Command, env: NodeJS.ProcessEnv = process.env): Config {
  const file = resolveConfigPath(cmd.opts().config as string | undefined, env, defaultConfigFile());
  return loadConfig({ file, env, flags: configFlags(cmd) });
}

function fail(e: unknown, log: (l: string) => void, setExit: (code: number) => void): void {
  log(`ratwatch: ${oneLine(e)}`);
  setExit(INPUT_ERRORS.has((e as Error)?.name) ? EXIT.badInput : EXIT.internal);
}

/** A config the daemon or flush can use: loaded, with an endpoint, its secrets readable, its spool safe. */
function deliveryConfig(cmd: Command, env: NodeJS.ProcessEnv, opts: { endpointOptional?: boolean } = {}): Config {
  const config = configFromCommand(cmd, env);
  // Without an endpoint the daemon still scans and spools (a default install must run and keep its
  // reports); they go out once endpoint.url is set and the config reloaded.
  if (!opts.endpointOptional || config.endpoint.url) {
    requireEndpoint(config);
    checkCredentials(config.endpoint, env);
  }
  const problem = spoolDirProblem(config.spoolDir);
  if (problem) throw new ConfigError(`spoolDir ${config.spoolDir}: refused, ${problem}`);
  return config;
}

export function addReportCommands(program: Command, deps: ReportCommandDeps): void {
  const log = deps.log ?? stderrLine;
  const env = deps.env ?? process.env;
  const setExit = deps.setExit ?? ((code: number) => void (process.exitCode = code));

  const daemon = program
    .command('daemon')
    .description('scan on a schedule and deliver reports; SIGTERM/SIGINT stop after the current cycle')
    .option('--no-run-at-start', 'wait for the first scheduled time instead of scanning at start');
  addConfigOptions(daemon).action(async (_opts: unknown, cmd: Command) => {
    let config: Config;
    let lock: DaemonLock;
    try {
      config = deliveryConfig(cmd, env, { endpointOptional: true });
      fs.mkdirSync(config.spoolDir, { recursive: true, mode: 0o700 });
      lock = await acquireDaemonLock(config.spoolDir);
    } catch (e) {
      return fail(e, log, setExit);
    }
    let stopping = false;
    let reloading = false;
    let cycle = new AbortController();
    const onStop = (sig: NodeJS.Signals) => {
      log(`ratwatch: ${sig} received, ${stopping ? 'already stopping' : 'stopping after the current cycle'}`);
      stopping = true;
      cycle.abort();
    };
    const onHup = () => {
      log(`ratwatch: SIGHUP received, reloading the config after the current cycle`);
      reloading = true;
      cycle.abort();
    };
    const onIgnored = (sig: NodeJS.Signals) => log(`ratwatch: ${sig} received, ignored`);
    for (const s of STOP_SIGNALS) process.on(s, onStop);
    for (const s of IGNORED_SIGNALS) process.on(s, onIgnored);
    process.on('SIGHUP', onHup);
    try {
      let runAtStart = cmd.opts().runAtStart !== false;
      for (;;) {
        const current = config;
        await runDaemon(current, () => deps.scanOnce(current), { signal: cycle.signal, log, runAtStart });
        if (stopping || !reloading) break;
        reloading = false;
        runAtStart = false;
        cycle = new AbortController();
        try {
          const next = deliveryConfig(cmd, env, { endpointOptional: true });
          if (path.resolve(next.spoolDir) !== path.resolve(current.spoolDir)) {
            fs.mkdirSync(next.spoolDir, { recursive: true, mode: 0o700 });
            const nextLock = await acquireDaemonLock(next.spoolDir);
            await lock.release();
            lock = nextLock;
          }
          config = next;
          log(`ratwatch: config reloaded${config.file ? ` from ${config.file}` : ''}`);
        } catch (e) {
          log(`ratwatch: config not reloaded, keeping the previous one: ${oneLine(e)}`);
        }
        if (stopping) break;
      }
    } catch (e) {
      fail(e, log, setExit);
    } finally {
      for (const s of STOP_SIGNALS) process.off(s, onStop);
      for (const s of IGNORED_SIGNALS) process.off(s, onIgnored);
      process.off('SIGHUP', onHup);
      await lock.release();
    }
  });

  const flush = program
    .command('flush')
    .description(`deliver waiting reports now, ignoring the retry delay (exit ${EXIT_PENDING} when some are still waiting)`)
    .option('--requeue-rejected', 'first move reports the server refused (rejected/) back into the queue')
    .option('--json', 'print the result as JSON on stdout');
  addConfigOptions(flush).action(async (_opts: unknown, cmd: Command) => {
    try {
      const config = deliveryConfig(cmd, env);
      const reporter = new Reporter(config, { log, env });
      const requeued = cmd.opts().requeueRejected ? await reporter.requeueRejected() : 0;
      const r = await reporter.flush({ force: true });
      if (cmd.opts().json) process.stdout.write(`${JSON.stringify({ requeued, ...r })}\n`);
      let line = `ratwatch: flush: sent ${r.sent}, pending ${r.pending}, rejected ${r.rejected}, quarantined ${r.quarantined}`;
      if (requeued) line += `, requeued ${requeued}`;
      if (r.error) line += `, delivery failed: ${r.error}`;
      log(line);
      setExit(r.pending ? EXIT.pending : EXIT.clean);
    } catch (e) {
      fail(e, log, setExit);
    }
  });
}
