import type { ServiceInfo } from '../../model.ts';
import { clean } from '../../text.ts';
import type { EnvVars } from './environment.ts';
import { PS_PRELUDE, isRecord, parseJsonRecords, psList, str } from './powershell.ts';
import { setCommand } from './resolve.ts';

// Scheduled tasks from the Task Scheduler's own objects (Get-ScheduledTask, CIM class MSFT_ScheduledTask,
// Windows 8 and later): property names and the State enum are the same in every language and the text
// is UTF-8, where schtasks.exe translates its headers and values ("Bereit", "Nicht zutreffend") and
// prints in the console code page. Only exec actions (MSFT_TaskExecAction) have a program; COM handler
// actions have none. The first exec action is reported, as schtasks' "Task To Run" does.
// Get-ScheduledTaskInfo (last run, last result) is left out: it costs one CIM call per task.

export const TASKS_SCRIPT =
  PS_PRELUDE +
  'Get-ScheduledTask | ForEach-Object { [pscustomobject]@{TaskPath=$_.TaskPath; TaskName=$_.TaskName; State=[int]$_.State; Actions=@($_.Actions | Where-Object { $_.Execute } | ForEach-Object { [pscustomobject]@{Execute=$_.Execute; Arguments=$_.Arguments} })} } | ConvertTo-Json -Compress -Depth 4';

// MSFT_ScheduledTask.State: the Task Scheduler's TASK_STATE (taskschd.h): 0 Unknown, 1 Disabled, 2 Queued, 3 Ready, 4 Running
export const TASK_STATES = ['unknown', 'disabled', 'queued', 'ready', 'running'] as const;
const MAX_TASKS = 4000;

function stateOf(v: unknown): string | undefined {
  if (typeof v === 'number') return TASK_STATES[v];
  // PowerShell 7 or a version that ignores the [int] cast prints the enum's name
  const s = str(v)?.trim().toLowerCase();
  return s && (TASK_STATES as readonly string[]).includes(s) ? s : undefined;
}

/** Execute and Arguments as the one command line the task runs (Execute may or may not be quoted). */
function commandLine(execute: string, args: string | undefined): string {
  const exe = execute.trim();
  const quoted = exe.startsWith('"') || !/\s/.test(exe) ? exe : `"${exe}"`;
  return args?.trim() ? `${quoted} ${args.trim()}` : quoted;
}

export function parseScheduledTasks(json: string, vars?: EnvVars): ServiceInfo[] {
  const out: ServiceInfo[] = [];
  const seen = new Set<string>();
  for (const r of parseJsonRecords(json, 'Get-ScheduledTask')) {
    const leaf = str(r.TaskName)?.trim();
    if (!leaf || out.length >= MAX_TASKS) continue;
    const folder = str(r.TaskPath)?.trim() || '\\';
    const full = folder.endsWith('\\') ? folder + leaf : `${folder}\\${leaf}`;
    if (seen.has(full.toLowerCase())) continue;
    seen.add(full.toLowerCase());
    const s: ServiceInfo = { name: clean(full, 512), source: 'scheduled-task' };
    if (full !== leaf) s.displayName = clean(leaf, 256);
    const action = psList(r.Actions)
      .filter(isRecord)
      .find((a) => str(a.Execute));
    if (action) setCommand(s, commandLine(str(action.Execute)!, str(action.Arguments)), { vars });
    const state = stateOf(r.State);
    if (state) {
      // Unknown says nothing about whether the task may run
      if (state !== 'unknown') s.startType = state === 'disabled' ? 'disabled' : 'enabled';
      s.state = state;
    }
    out.push(s);
  }
  return out;
}
