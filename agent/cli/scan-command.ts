import type { Command } from 'commander';
import { Option } from 'commander';
import type { Inventory, ScanResult } from '../model.ts';
import { SETTING_KEYS } from '../settings.ts';
import { renderJamf, renderSummary } from '../output/summary.ts';
import { policyWarnings } from '../policy/index.ts';
import { renderTable } from '../output/table.ts';
import { activeFindings, collectHost, evaluate } from '../scan.ts';
import { catalogFrom, policyFrom, readInventoryFile } from './inputs.ts';
import { stderrLine } from './log.ts';
import { EXIT } from '../vocabulary.ts';

/** Whether this process can see every user's processes; undefined where the uid cannot tell (Windows). */
export function isPrivileged(): boolean | undefined {
  const uid = process.getuid?.();
  return uid === undefined ? undefined : uid === 0;
}

/**
 * Whether a live scan saw everything, and the warning line when it did not: the uid on Linux and macOS, the
 * Windows collector's administrator check (setting agent.privileged) on Windows; undefined when neither tells.
 */
export function privilegeOf(inv: Inventory, byUid: boolean | undefined): { privileged?: boolean | undefined; warning?: string } {
  const s = inv.settings.find((x) => x.key === SETTING_KEYS.agentPrivileged);
  const privileged = byUid ?? (typeof s?.value === 'boolean' ? s.value : undefined);
  if (privileged !== false) return { privileged };
  const who = byUid === undefined ? 'not running as an elevated Administrator' : 'not running as root';
  return {
    privileged,
    warning: `${who}: executable paths, hashes and socket owners of other users' processes are missing (result has "privileged": false)`,
  };
}

export interface ScanFlags {
  json?: boolean;
  format?: 'table' | 'json' | 'summary' | 'jamf';
  inventory?: string;
  catalog?: string;
  policy?: string | undefined;
  probe?: boolean;
}

/** One scan as the CLI and the daemon run it: live, or from a saved inventory of any OS. */
export async function scanOnce(flags: ScanFlags, now = new Date()): Promise<ScanResult> {
  const catalog = catalogFrom(flags.catalog);
  const policy = policyFrom(flags.policy);
  if (policy) for (const w of policyWarnings(policy, catalog)) stderrLine(`ratwatch: warning: ${w}`);
  if (flags.inventory) return evaluate(readInventoryFile(flags.inventory), catalog, policy, now);
  const inv = await collectHost({ catalog, allowProbes: flags.probe !== false });
  const { privileged, warning } = privilegeOf(inv, isPrivileged());
  if (warning) stderrLine(`ratwatch: warning: ${warning}`);
  const result = evaluate(inv, catalog, policy, now);
  return privileged === undefined ? result : { ...result, privileged };
}

export function render(r: ScanResult, format: ScanFlags['format']): string {
  switch (format) {
    case 'json':
      return JSON.stringify(r, null, 2) + '\n';
    case 'summary':
      return renderSummary(r) + '\n';
    case 'jamf':
      return renderJamf(r) + '\n';
    default:
      return renderTable(r, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR, width: process.stdout.columns });
  }
}

export function exitCodeFor(r: ScanResult): number {
  return activeFindings(r).length > 0 ? EXIT.findings : EXIT.clean;
}

export function addScanOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print the result as JSON (same as --format json)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'summary', 'jamf']))
    .option('--inventory <file>', 'replay a saved inventory (from any OS) instead of looking at this machine; - reads stdin')
    .option('--catalog <file>', 'use this catalog instead of the built-in one')
    .option('--policy <file>', 'company policy: sanctioned tools, severities, suppressions')
    .option('--no-probe', 'do not connect to loopback listening sockets to read their banners');
}
