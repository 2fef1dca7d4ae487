import type { ProcessInfo } from '../../model.ts';
import type { Runner } from '../../runner.ts';
import type { Collector } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { runListing } from '../common/exec.ts';
import { once } from '../common/memo.ts';
import { basename, lines } from '../common/text.ts';

// The process table of a Mac from two `ps` listings: pid, parent, user and `comm`, which on macOS is the
// full path of the executable (argv-independent, so a renamed or relocated tool cannot fake it by changing
// argv[0]), and pid with the whole command line. Two runs because comm and args may both hold spaces, so
// neither can come before the other in one listing. ps-list (the Runner's listProcesses) would run ps twice
// more for the same columns (uid instead of the user name), so it is not used here.

export const PS = '/bin/ps';
export const PS_COMM_ARGS = ['-axww', '-o', 'pid=,ppid=,user=,comm='];
export const PS_ARGS_ARGS = ['-axww', '-o', 'pid=,args='];
const MAX_PROCESSES = 20_000;

export interface PsRow {
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

function toProcess(pid: number, row: PsRow | undefined, args: string | undefined): ProcessInfo {
  // macOS ps prints a bare name (or "(name)") for processes whose exec path it cannot read
  const exe = row?.comm.startsWith('/') ? row.comm : undefined;
  const rawName = exe ? basename(exe) : (row?.comm.replace(/^\((.*)\)$/, '$1') ?? '');
  const p: ProcessInfo = { pid, name: clean(rawName, 256) };
  if (row) p.ppid = row.ppid;
  if (exe) p.exe = clean(exe);
  const cmd = cleanOpt(args, 4096);
  if (cmd) p.cmdline = cmd;
  if (row?.user) p.user = clean(row.user, 64);
  return p;
}

export interface PsTable {
  rows: Map<number, PsRow>;
  args: Map<number, string>;
}

/** Both listings, run once per scan: darwin.settings looks for ARDAgent in the same table. */
export function psTable(runner: Runner): Promise<PsTable> {
  return once(runner, 'macos-ps', async () => {
    const [comm, args] = await Promise.allSettled([runListing(runner, PS, PS_COMM_ARGS), runListing(runner, PS, PS_ARGS_ARGS)]);
    if (comm.status === 'rejected') throw new Error(`ps failed: ${(comm.reason as Error).message}`);
    // without command lines the table still names every process
    return { rows: parsePsComm(comm.value), args: args.status === 'fulfilled' ? parsePsArgs(args.value) : new Map() };
  });
}

export const processesCollector: Collector = {
  name: 'darwin.processes',
  async collect(ctx) {
    const { rows, args } = await psTable(ctx.runner);
    const processes = [...rows.keys()].sort((a, b) => a - b).map((pid) => toProcess(pid, rows.get(pid), args.get(pid)));
    return { processes: processes.filter((p) => p.name) };
  },
};
