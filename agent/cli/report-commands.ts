import type { Command } from 'commander';
import { EXIT } from '../vocabulary.ts';
import { stderrLine } from './log.ts';
import { deliveryConfig } from '../config/delivery-config.ts';
import { defaultConfigFile } from '../config/fields.ts';
import { addConfigOptions, configFlags } from '../config/flags.ts';
import { loadConfig, resolveConfigPath } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import type { CycleWorker } from '../daemon/schedule.ts';
import type { ScanResult } from '../model.ts';

// The daemon and delivery modules are loaded by the commands that run them, not by every start of the CLI
// (a scan that does not deliver never needs the reporter, the spool or the HTTP stack)
const daemonModules = async () => {
  const [serve, daemon, reporter] = await Promise.all([
    import('../daemon/serve.ts'),
    import('../daemon/daemon.ts'),
    import('../delivery/reporter.ts'),
  ]);
  return { ...serve, ...daemon, ...reporter };
};

export interface ReportCommandDeps {
  /**
   * The daemon's cycles: a worker (the executable's: each cycle in a child process, daemon/child-cycle.ts),
   * or a scan of this machine with the given config, scanned and delivered in this process.
   */
  cycles: { worker: (config: Config) => CycleWorker } | { scanOnce: (config: Config) => Promise<ScanResult> };
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Where the exit code goes; run() in program.ts returns its own code, so process.exitCode alone would be lost. */
  setExit?: (code: number) => void;
}

/** Exit code of `flush` when reports are still waiting (endpoint down or refusing). */
export const EXIT_PENDING = EXIT.pending;

/** Config for a command that was given addConfigOptions: --config / RATWATCH_CONFIG / platform file, env, flags. */
export function configFromCommand(cmd: Command, env: NodeJS.ProcessEnv = process.env): Config {
  const file = resolveConfigPath(cmd.opts().config as string | undefined, env, defaultConfigFile());
  return loadConfig({ file, env, flags: configFlags(cmd) });
}

export function addReportCommands(program: Command, deps: ReportCommandDeps): void {
  const log = deps.log ?? stderrLine;
  const env = deps.env ?? process.env;
  const setExit = deps.setExit ?? ((code: number) => void (process.exitCode = code));
  const { cycles } = deps;

  const daemon = program
    .command('daemon')
    .description('scan on a schedule and deliver reports; SIGTERM/SIGINT stop after the current cycle')
    .option('--no-run-at-start', 'wait for the first scheduled time instead of scanning at start');
  addConfigOptions(daemon).action(async (_opts: unknown, cmd: Command) => {
    const { serveDaemon, reporterWorker, Reporter } = await daemonModules();
    await serveDaemon({
      load: () => deliveryConfig(cmd.opts().config as string | undefined, configFlags(cmd), env, { endpointOptional: true }),
      worker: (config) =>
        'worker' in cycles ? cycles.worker(config) : reporterWorker(config, () => cycles.scanOnce(config), new Reporter(config, { log })),
      runAtStart: cmd.opts().runAtStart !== false,
      log,
      setExit,
    });
  });

  const flush = program
    .command('flush')
    .description(`deliver waiting reports now, ignoring the retry delay (exit ${EXIT_PENDING} when some are still waiting)`)
    .option('--requeue-rejected', 'first move reports the server refused (rejected/) back into the queue')
    .option('--json', 'print the result as JSON on stdout');
  addConfigOptions(flush).action(async (_opts: unknown, cmd: Command) => {
    const { reportFailure, Reporter } = await daemonModules();
    try {
      const config = deliveryConfig(cmd.opts().config as string | undefined, configFlags(cmd), env);
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
      reportFailure(e, log, setExit);
    }
  });
}
