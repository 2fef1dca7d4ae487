import type { Command } from 'commander';
import { FIELDS, flagAttr } from './fields.ts';

/**
 * Adds --config and one flag per config field, without defaults so unset flags never mask env or file
 * values. A flag the command already has (scan's --policy) is kept as it is and still read by configFlags.
 */
export function addConfigOptions(cmd: Command): Command {
  const has = (long: string) => cmd.options.some((o) => o.long === long);
  const add = (flags: string, help: string) => {
    if (!has(flags.split(' ')[0])) cmd.option(flags, help);
  };
  add('--config <file>', 'config file (YAML or JSON; default RATWATCH_CONFIG or the platform path)');
  for (const f of FIELDS) {
    if (f.type.kind === 'bool') {
      add(`--${f.flag}`, f.help);
      add(`--no-${f.flag}`, `do not ${f.help}`);
    } else {
      add(`--${f.flag} <value>`, f.help);
    }
  }
  return cmd;
}

/** The config flags the user actually typed (commander also reports implied defaults of --no-x flags). */
export function configFlags(cmd: Command): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const attr = flagAttr(f.flag);
    if (cmd.getOptionValueSource(attr) === 'cli') out[attr] = cmd.getOptionValue(attr);
  }
  return out;
}
