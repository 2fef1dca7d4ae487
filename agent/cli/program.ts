import { Command, CommanderError } from 'commander';
import { collectHost } from '../scan.ts';
import { VERSION } from '../version.ts';
import { catalogFrom } from './inputs.ts';
import { addScanOptions, exitCodeFor, render, scanOnce, type ScanFlags } from './scan-command.ts';
import { writeOut } from './write-out.ts';

export const EXIT = { clean: 0, findings: 1, badInput: 2, internal: 3 } as const;

// Errors that mean "what you gave me is wrong" (exit 2) rather than "ratwatch is broken" (exit 3)
const INPUT_ERRORS = new Set(['InputError', 'CatalogError', 'PolicyError', 'ConfigError']);

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('ratwatch')
    .description('Finds unauthorized remote-access software (MITRE ATT&CK T1219) on this machine and reports it.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') });

  addScanOptions(program.command('scan').description('scan this machine (or a saved inventory) and print findings; exit 1 when any'))
    .action(async (flags: ScanFlags) => {
      const result = await scanOnce(flags);
      await writeOut(render(result, flags.json ? 'json' : flags.format));
      setExit(exitCodeFor(result));
    });

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

/** Runs the CLI and returns the exit code; never throws, never prints a stack trace unless RATWATCH_DEBUG is set. */
export async function run(argv: string[]): Promise<number> {
  let code: number = EXIT.clean;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? EXIT.clean : EXIT.badInput;
    }
    const err = e as Error;
    const line = (err?.message ?? String(e)).split('\n')[0];
    if (INPUT_ERRORS.has(err?.name)) {
      process.stderr.write(`ratwatch: ${line}\n`);
      return EXIT.badInput;
    }
    process.stderr.write(`ratwatch: internal error: ${line}\n`);
    if (process.env.RATWATCH_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
    return EXIT.internal;
  }
}
