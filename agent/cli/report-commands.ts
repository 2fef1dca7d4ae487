import type { Command } from 'commander';
import { ConfigError, oneLine } from '../config/errors.ts';
import { defaultConfigFile } from '../config/fields.ts';
import { addConfigOptions, configFlags } from '../config/flags.ts';
import { loadConfig, requireEndpoint, resolveConfigPath } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import { runDaemon } from '../daemon/daemon.ts';
import type { ScanResult } from '../model.ts';
import { Reporter } from '../report/reporter.ts';
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
export const EXIT_PENDING = 3;
const EXIT_BAD_INPUT = 2;
const EXIT_INTERNAL = 70; // README: 1 means findings, so a failed flush or daemon must not use it

/** Config for a command that was given addConfigOptions: --config / RATWATCH_CONFIG / platform file, env, flags. */
export function configFromCommand(cmd: Command, env: NodeJS.ProcessEnv = process.env): Config {
  const file = resolveConfigPath(cmd.opts().config as string | undefined, env, defaultConfigFile());
  return loadConfig({ file, env, flags: configFlags(cmd) });
}

function fail(e: unknown, log: (l: string) => void, setExit: (code: number) => void): void {
  log(`ratwatch: ${oneLine(e)}`);
  setExit(e instanceof ConfigError ? EXIT_BAD_INPUT : EXIT_INTERNAL);
}

export function addReportCommands(program: Command, deps: ReportCommandDeps): void {
  const log = deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const env = deps.env ?? process.env;
  const setExit = deps.setExit ?? ((code: number) => void (process.exitCode = code));

  const daemon = program
    .command('daemon')
    .description('scan on a schedule and deliver reports; SIGTERM/SIGINT stop after the current cycle')
    .option('--no-run-at-start', 'wait for the first scheduled time instead of scanning at start');
  addConfigOptions(daemon).action(async (_opts: unknown, cmd: Command) => {
    let config: Config;
    try {
      config = configFromCommand(cmd, env);
      // Without an endpoint the daemon still scans and spools (a default install must run and keep its
      // reports); they go out once endpoint.url is set and the daemon restarted.
      if (config.endpoint.url) checkCredentials(config.endpoint, env);
    } catch (e) {
      return fail(e, log, setExit);
    }
    const stop = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => {
      if (!stop.signal.aborted) log(`ratwatch: ${sig} received, stopping after the current cycle`);
      stop.abort();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      await runDaemon(config, () => deps.scanOnce(config), { signal: stop.signal, log, runAtStart: cmd.opts().runAtStart !== false });
    } catch (e) {
      fail(e, log, setExit);
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  });

  const flush = program
    .command('flush')
    .description(`deliver waiting reports now, ignoring the retry delay (exit ${EXIT_PENDING} when some are still waiting)`)
    .option('--requeue-rejected', 'first move reports the server refused (rejected/) back into the queue')
    .option('--json', 'print the result as JSON on stdout');
  addConfigOptions(flush).action(async (_opts: unknown, cmd: Command) => {
    try {
      const config = configFromCommand(cmd, env);
      requireEndpoint(config);
      checkCredentials(config.endpoint, env);
      const reporter = new Reporter(config, { log, env });
      const requeued = cmd.opts().requeueRejected ? await reporter.requeueRejected() : 0;
      const r = await reporter.flush({ force: true });
      if (cmd.opts().json) process.stdout.write(`${JSON.stringify({ requeued, ...r })}\n`);
      let line = `ratwatch: flush: sent ${r.sent}, pending ${r.pending}, rejected ${r.rejected}, quarantined ${r.quarantined}`;
      if (requeued) line += `, requeued ${requeued}`;
      if (r.error) line += `, delivery failed: ${r.error}`;
      log(line);
      setExit(r.pending ? EXIT_PENDING : 0);
    } catch (e) {
      fail(e, log, setExit);
    }
  });
}
