import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addConfigOptions, configFlags } from '../../../../agent/config/flags.ts';
import { type DaemonArgs, parseDaemonArgs } from '../../../../agent/daemon/main.ts';

// The small daemon entry reads `daemon` arguments without commander; what it reads must be what the
// full CLI's commander wiring reads, and whatever it does not read goes to the full CLI.

function commanderReads(args: string[]) {
  let got: DaemonArgs | undefined;
  const program = new Command('ratwatch').exitOverride();
  const daemon = program.command('daemon').option('--no-run-at-start', 'x');
  addConfigOptions(daemon).action((_o: unknown, cmd: Command) => {
    got = { config: cmd.opts().config as string | undefined, runAtStart: cmd.opts().runAtStart !== false, flags: configFlags(cmd) };
  });
  program.parse(['node', 'ratwatch', 'daemon', ...args]);
  return got;
}

describe('parseDaemonArgs', () => {
  it.each([
    [[]],
    [['--config', '/etc/r.yaml']],
    [['--config=/etc/r.yaml', '--no-run-at-start']],
    [['--endpoint-url', 'https://r.example/', '--jitter-seconds', '0', '--no-gzip']],
    [['--gzip', '--no-gzip', '--gzip', '--schedule', '*/5 * * * *']],
    [['--spool-dir', '/tmp/a', '--spool-dir', '/tmp/b', '--allow-insecure-http']],
  ])('reads %j as commander does', (args) => {
    expect(parseDaemonArgs(args)).toEqual(commanderReads(args));
  });

  it.each([
    [['--help']],
    [['-h']],
    [['--nope']],
    [['extra']],
    [['--config']],
    [['--config', '--gzip']],
    [['--gzip=1']],
    [['--', '--config', 'x']],
  ])('leaves %j to the full CLI', (args) => {
    expect(parseDaemonArgs(args)).toBeUndefined();
  });
});
