import type { ProcessInfo } from '../../model.ts';
import type { PsEntry, Runner } from '../../runner.ts';
import type { Collector } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { runListing } from '../common/exec.ts';
import { once } from '../common/memo.ts';
import { basename, lines } from '../common/text.ts';

// The process table of a Mac. ps-list gives names and command lines; BSD ps's `comm` column gives
// the full path of the executable (its argv-independent exec path), which a renamed or relocated
// tool cannot fake by changing argv[0]. Without ps-list, ps alone is enough.

export const PS = '/bin/ps';
export const PS_COMM_ARGS = ['-axww', '-o', 'pid=,ppid=,user=,comm='];
export const PS_ARGS_ARGS = ['-axww', '-o', 'pid=,args='];
const MAX_PROCESSES = 20_000;

interface PsRow {
  pid: number;
  ppid: number;
  user: string;
  comm: string;
}

/** `ps -o pid=,ppid=,user=,comm=`: comm is last, so it keeps its spaces ("Google Chrome Helper (Renderer)"). */
export function parsePsComm(out: string): Map<number, PsRow> {
  const rows = new Map<number, PsRow>();
  for (const line of lines(out)) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s(.*)$/.exec(line);
    if (!m || rows.size >= MAX_PROCESSES) continue;
    const comm = m[4].trim();
    if (!comm) continue;
    rows.set(Number(m[1]), { pid: Number(m[1]), ppid: Number(m[2]), user: m[3], comm });
  }
  return rows;
}

/** `ps -o pid=,args=`: the command line after the pid. */
export function parsePsArgs(out: string): Map<number, string> {
  const args = new Map<number, string>();
  for (const line of lines(out)) {
    const m = /^\s*(\d+)\s(.*)$/.exec(line);
    if (m?.[2].trim() && args.size < MAX_PROCESSES) args.set(Number(m[1]), m[2].trim());
  }
  return args;
}

function toProcess(pid: number, row: PsRow | undefined, ps: PsEntry | undefined, args: string | undefined): ProcessInfo {
  // macOS ps prints a bare name (or "(name)") for processes whose exec path it cannot read
  const exe = row?.comm.startsWith('/') ? row.comm : undefined;
  const rawName = exe ? basename(exe) : ps?.name ? basename(ps.name) : (row?.comm.replace(/^\((.*)\)$/, '$1') ?? '');
  const p: ProcessInfo = { pid, name: clean(rawName, 256) };
  const ppid = row?.ppid ?? ps?.ppid;
  if (ppid !== undefined) p.ppid = ppid;
  if (exe) p.exe = clean(exe);
  const cmd = cleanOpt(ps?.cmd ?? args, 4096);
  if (cmd) p.cmdline = cmd;
  const user = row?.user ?? (ps?.uid !== undefined ? String(ps.uid) : undefined);
  if (user) p.user = clean(user, 64);
  return p;
}

/** ps-list's table, run once per scan: darwin.settings looks for ARDAgent in the same table. */
export function listedProcesses(runner: Runner): Promise<PsEntry[]> {
  return once(runner, 'ps-list', () => runner.listProcesses());
}

async function psList(runner: Runner): Promise<PsEntry[] | undefined> {
  try {
    return await listedProcesses(runner);
  } catch {
    return undefined;
  }
}

export const processesCollector: Collector = {
  name: 'darwin.processes',
  async collect(ctx) {
    const listed = await psList(ctx.runner);
    let rows = new Map<number, PsRow>();
    let commError: Error | undefined;
    try {
      rows = parsePsComm(await runListing(ctx.runner, PS, PS_COMM_ARGS));
    } catch (e) {
      commError = e as Error;
    }
    if (!listed && commError) throw new Error(`ps-list and ps both failed: ${commError.message}`);

    let args = new Map<number, string>();
    if (!listed) args = parsePsArgs(await runListing(ctx.runner, PS, PS_ARGS_ARGS).catch(() => ''));

    const byPid = new Map<number, PsEntry>();
    for (const e of listed ?? []) if (Number.isInteger(e.pid) && byPid.size < MAX_PROCESSES) byPid.set(e.pid, e);
    const pids = new Set<number>([...byPid.keys(), ...rows.keys()]);
    const processes = [...pids].sort((a, b) => a - b).map((pid) => toProcess(pid, rows.get(pid), byPid.get(pid), args.get(pid)));
    return { processes: processes.filter((p) => p.name) };
  },
};
