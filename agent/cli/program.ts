import { Command, CommanderError } from 'commander';
import { addConfigOptions } from '../config/flags.ts';
import { requireEndpoint } from '../config/load.ts';
import { checkCredentials } from '../transport/credentials.ts';
import { addEnrollCommand } from './enroll-command.ts';
import { addReportCommands, configFromCommand } from './report-commands.ts';
import { collectHost } from '../scan.ts';
import { VERSION } from '../version.ts';
import { catalogFrom } from './inputs.ts';
import { addScanOptions, exitCodeFor, render, scanOnce, type ScanFlags } from './scan-command.ts';
import { errorLine, stderrLine } from './log.ts';
import { writeOut } from './write-out.ts';
import { childCycleWorker, CYCLE_COMMAND, RETRY_FLAG } from '../daemon/child-cycle.ts';
import { runCycleCommand } from './cycle-command.ts';

import { EXIT } from '../vocabulary.ts';
export { EXIT };

// Errors that mean "what you gave me is wrong" (exit 2) rather than "ratwatch is broken" (exit 70)
const INPUT_ERRORS = new Set(['InputError', 'CatalogError', 'PolicyError', 'ConfigError', 'UnsafeFileError']);

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('ratwatch')
    .description('Finds unauthorized remote-access software (MITRE ATT&CK T1219) on this machine and reports it.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`${errorLine(str)}\n`) });

  const scan = addScanOptions(
    program.command('scan').description('scan this machine (or a saved inventory) and print findings; exit 1 when any'),
  ).option('--report', 'also deliver the result to the configured endpoint (spooled on disk until it is)');
  addConfigOptions(scan).action(async (flags: ScanFlags & { report?: boolean }, cmd: Command) => {
    // The same config as the daemon's (--config, RATWATCH_CONFIG or the platform file when it exists), so an
    // audit by hand applies the company policy the MDM installed
    const config = configFromCommand(cmd);
    if (flags.report) {
      requireEndpoint(config);
      checkCredentials(config.endpoint, process.env);
    }
    const result = await scanOnce({ ...flags, policy: config.policyFile });
    await writeOut(render(result, flags.json ? 'json' : flags.format));
    if (flags.report) {
      // delivery (reporter, spool, HTTP and TLS) is loaded only by the runs that deliver
      const { reportScan } = await import('../delivery/index.ts');
      const { queued, flush } = await reportScan(config, result, { log: stderrLine });
      stderrLine(`ratwatch: report ${queued.reportId} (${queued.kind}) ${deliveryWord(flush)}`);
    }
    setExit(exitCodeFor(result));
  });

  // the daemon runs each cycle in a child process of this same program (agent/daemon/child-cycle.ts): its memory goes back when it exits
  addReportCommands(program, { cycles: { worker: (config) => childCycleWorker(config, process.env, stderrLine) }, setExit });
  program
    .command(CYCLE_COMMAND, { hidden: true })
    .option(RETRY_FLAG)
    .action(async (flags: { retry?: boolean }) => {
      await runCycleCommand(flags.retry === true, (policy) => scanOnce({ policy }));
      setExit(EXIT.clean); // the outcome is in the JSON; a non-zero exit means the cycle itself failed
    });
  addEnrollCommand(program, { log: stderrLine, setExit });

  program
    .command('inventory')
    .description('print what ratwatch sees on this machine as JSON, for replay with scan --inventory')
    .option('--json', 'JSON output (the only format; accepted for symmetry with scan)')
    .option('--catalog <file>', 'use this catalog instead of the built-in one')
    .option('--no-probe', 'do not connect to loopback listening sockets to read their banners')
    .action(async (flags: { catalog?: string; probe?: boolean }) => {
      const inv = await collectHost({ catalog: catalogFrom(flags.catalog), allowProbes: flags.probe !== false });
      await writeOut(JSON.stringify(inv, null, 2) + '\n');
      setExit(EXIT.clean);
    });

  return program;
}

/** What became of this run's report: a 4xx is a refusal, not a delivery. */
function deliveryWord(f: { sent: number; pending: number; rejected: number; quarantined: number; error?: string }): string {
  if (f.pending) return `queued, ${f.pending} waiting: ${f.error ?? 'endpoint not reached'}`;
  if (f.rejected) return `rejected by the endpoint (${f.rejected} report(s) moved to rejected/)`;
  if (f.quarantined && !f.sent) return 'quarantined (damaged spool file)';
  return 'delivered';
}

/** Runs the CLI and returns the exit code; never throws, never prints a stack trace unless RATWATCH_DEBUG is set. */
export async function run(argv: string[]): Promise<number> {
  let code: number = EXIT.clean;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help'
        ? EXIT.clean
        : EXIT.badInput;
    }
    const err = e as Error;
    const line = errorLine(e);
    if (INPUT_ERRORS.has(err?.name)) {
      stderrLine(`ratwatch: ${line}`);
      return EXIT.badInput;
    }
    stderrLine(`ratwatch: internal error: ${line}`);
    // the stack repeats the message, so each of its lines is escaped like any other
    if (process.env.RATWATCH_DEBUG) for (const l of (err?.stack ?? '').split('\n').slice(0, 64)) stderrLine(l);
    return EXIT.internal;
  }
}
