import type { ProcessInfo } from '../../model.ts';
import type { Collector } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { PS_PRELUDE, int, parseJsonRecords, runPowerShell, str } from './powershell.ts';

// The process table from CIM (wmic is removed from current Windows). ExecutablePath is the image the
// process really runs, whatever it is called; it is null for protected processes when not elevated.

export const PROCESSES_SCRIPT =
  PS_PRELUDE +
  'Get-CimInstance -ClassName Win32_Process | Select-Object ProcessId,ParentProcessId,Name,ExecutablePath,CommandLine | ConvertTo-Json -Compress';

const MAX_PROCESSES = 20_000;

export function parseProcesses(json: string): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const r of parseJsonRecords(json, 'Win32_Process').slice(0, MAX_PROCESSES)) {
    const pid = int(r.ProcessId);
    if (pid === undefined) continue;
    const exe = cleanOpt(str(r.ExecutablePath), 1024);
    const rawName = str(r.Name) ?? (exe ? exe.slice(exe.lastIndexOf('\\') + 1) : undefined);
    if (!rawName) continue;
    const p: ProcessInfo = { pid, name: clean(rawName, 256) };
    const ppid = int(r.ParentProcessId);
    if (ppid !== undefined) p.ppid = ppid;
    if (exe) p.exe = exe;
    const cmdline = cleanOpt(str(r.CommandLine), 4096);
    if (cmdline) p.cmdline = cmdline;
    out.push(p);
  }
  return out;
}

export const processesCollector: Collector = {
  name: 'windows.processes',
  async collect(ctx) {
    const json = await runPowerShell(ctx, PROCESSES_SCRIPT, 'Get-CimInstance Win32_Process');
    return { processes: parseProcesses(json) };
  },
};
