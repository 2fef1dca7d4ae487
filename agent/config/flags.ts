import type { Command } from 'commander';
import { FIELDS, flagAttr } from './fields.ts';

/** Adds --config and one flag per config field, without defaults so unset flags never mask env or file values. */
export function addConfigOptions(cmd: Command): Command {
  cmd.option('--config <file>', 'config file (YAML or JSON; default RATWATCH_CONFIG or the platform path)');
  for (const f of FIELDS) {
    if (f.type.kind === 'bool') {
      cmd.option(`--${f.flag}`, f.help);
      cmd.option(`--no-${f.flag}`, `do not ${f.help}`);
    } else {
      cmd.option(`--${f.flag} <value>`, f.help);
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
