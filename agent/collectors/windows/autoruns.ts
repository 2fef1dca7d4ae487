import type { ServiceInfo } from '../../model.ts';
import type { Collector, CollectorContext } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { firstLine } from '../common/exec.ts';
import { envOrWarn, varsFor, type EnvVars, type WindowsEnv } from './environment.ts';
import { setCommand } from './resolve.ts';
import { PS_PRELUDE, runPowerShell } from './powershell.ts';
import { TASKS_SCRIPT, parseScheduledTasks } from './tasks.ts';
import { parseCsv } from './csv.ts';
import { regRead, selfKey, userHives } from './reg.ts';

// What starts by itself besides services: the Run/RunOnce keys (machine, 32-bit view, each loaded user)
// and scheduled tasks (tasks.ts). A remote tool installed without admin rights usually lands in one of these.

const CURRENT_VERSION = 'Microsoft\\Windows\\CurrentVersion';

// What schtasks prints in "Task To Run" for actions that are not a command line. Anything else is one,
// bare program names included: "cmd /c ...", "powershell -enc ...", "reg query ..." are what hostile
// tasks look like, so their arguments must reach the engine.
const NOT_A_COMMAND = new Set(['com handler', 'multiple actions', 'n/a', '']);

export async function runKeys(ctx: CollectorContext): Promise<string[]> {
  const keys: string[] = [];
  for (const base of ['HKLM\\SOFTWARE', 'HKLM\\SOFTWARE\\WOW6432Node'])
    keys.push(`${base}\\${CURRENT_VERSION}\\Run`, `${base}\\${CURRENT_VERSION}\\RunOnce`);
  // HKCU's Software key is shared by 32- and 64-bit programs, so a user hive has no separate WOW6432Node Run
  for (const sid of await userHives(ctx))
    keys.push(`HKU\\${sid}\\Software\\${CURRENT_VERSION}\\Run`, `HKU\\${sid}\\Software\\${CURRENT_VERSION}\\RunOnce`);
  return keys;
}

async function runKeyEntries(ctx: CollectorContext, env?: WindowsEnv): Promise<ServiceInfo[]> {
  const out: ServiceInfo[] = [];
  const keys = await runKeys(ctx);
  const answers = await regRead(
    ctx,
    keys.map((key) => ({ key })),
    'registry read of the Run keys',
  );
  for (const [i, key] of keys.entries()) {
    const self = selfKey(answers[i].keys, key);
    // a user's Run value runs in that user's environment
    const sid = /^HKU\\([^\\]+)\\/i.exec(key)?.[1];
    const vars = env ? varsFor(env, sid) : undefined;
    for (const v of self?.values ?? []) {
      const s: ServiceInfo = { name: clean(v.name, 256), source: 'run-key', file: self!.path };
      if (setCommand(s, v.data, { vars })) out.push(s);
    }
  }
  return out;
}

// The fallback where Get-ScheduledTask is missing or fails (Windows 7, a broken Task Scheduler CIM
// provider): schtasks.exe, run from PowerShell so that it prints UTF-8 too. Setting
// [Console]::OutputEncoding (PS_PRELUDE) sets the console's output code page, which schtasks writes in,
// and is what PowerShell decodes a native program's output with before printing it again as UTF-8.
export const SCHTASKS_SCRIPT = PS_PRELUDE + "& (Join-Path $env:SystemRoot 'System32\\schtasks.exe') /query /fo CSV /v; exit $LASTEXITCODE";

// The English header names, and where the same columns sit in every language: schtasks translates its
// headers (German "Aufgabenname", "Auszuführende Aufgabe"...) but keeps the 28-column order.
const COLUMNS = { name: ['TaskName', 1], status: ['Status', 3], run: ['Task To Run', 8], enabled: ['Scheduled Task State', 11] } as const;
const VERBOSE_COLUMNS = 28;

/**
 * Parses `schtasks /query /fo CSV /v`. The header row is repeated before each task folder, and a task with
 * several triggers takes one row per trigger; both are folded away.
 */
export function parseSchtasks(text: string, vars?: EnvVars): ServiceInfo[] {
  const rows = parseCsv(text);
  if (rows.length === 0) return [];
  const header = rows[0];
  // with no task visible schtasks prints one "INFO: ..." line (translated) instead of a table
  if (header.length === 1 && rows.length === 1) return [];
  const col = {} as Record<keyof typeof COLUMNS, number>;
  for (const [k, [title, pos]] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, readonly [string, number]][]) {
    const i = header.indexOf(title);
    if (i >= 0) col[k] = i;
    else if (header.length === VERBOSE_COLUMNS) col[k] = pos;
    else throw new Error(`schtasks: unrecognised CSV header (${header.length} columns)`);
  }
  const headerLine = header.join('\u0000');
  const seen = new Set<string>();
  const out: ServiceInfo[] = [];
  for (const row of rows.slice(1)) {
    if (row.join('\u0000') === headerLine || row.length <= col.run) continue;
    const name = row[col.name]?.trim();
    if (!name || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    const s: ServiceInfo = { name: clean(name, 512), source: 'scheduled-task' };
    const leaf = name.slice(name.lastIndexOf('\\') + 1);
    if (leaf && leaf !== name) s.displayName = clean(leaf, 256);
    const run = row[col.run]?.trim() ?? '';
    if (!NOT_A_COMMAND.has(run.toLowerCase())) setCommand(s, run, { vars });
    const enabled = cleanOpt(row[col.enabled], 32);
    if (enabled) s.startType = enabled.toLowerCase();
    const status = cleanOpt(row[col.status], 32);
    if (status) s.state = status.toLowerCase();
    out.push(s);
  }
  return out;
}

/** Get-ScheduledTask (tasks.ts); schtasks where that fails, with a warning saying so. */
async function scheduledTasks(ctx: CollectorContext, warnings: string[], vars?: EnvVars): Promise<ServiceInfo[]> {
  try {
    return parseScheduledTasks(await runPowerShell(ctx, TASKS_SCRIPT, 'Get-ScheduledTask', { timeoutMs: 60_000 }), vars);
  } catch (e) {
    const why = firstLine((e as Error).message);
    let tasks: ServiceInfo[];
    try {
      tasks = parseSchtasks(await runPowerShell(ctx, SCHTASKS_SCRIPT, 'schtasks /query', { timeoutMs: 60_000 }), vars);
    } catch (e2) {
      throw new Error(`${why}; ${firstLine((e2 as Error).message)}`);
    }
    warnings.push(`scheduled tasks read with schtasks, whose labels are in the system language: ${why}`);
    return tasks;
  }
}

export const autorunsCollector: Collector = {
  name: 'windows.autoruns',
  async collect(ctx) {
    const warnings: string[] = [];
    const env = await envOrWarn(ctx, warnings);
    const services = await runKeyEntries(ctx, env);
    // a task runs as its principal, which schtasks does not print; the machine's variables are the common part
    services.push(...(await scheduledTasks(ctx, warnings, env?.machine)));
    return warnings.length ? { services, warnings } : { services };
  },
};
