import type { ProcessInfo, ScriptInfo } from '../../model.ts';
import type { PsEntry, Runner } from '../../runner.ts';
import type { Collector } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { mapLimit } from '../common/pool.ts';
import { basename } from '../common/text.ts';
import { interpreterOf, normalizePath, packageOf, scriptOf } from './script.ts';

// The process table from ps (via ps-list), completed from /proc: the real executable path (which a
// renamed or self-deleting binary cannot fake), the full argv and the owner. Without ps, /proc alone.

const MAX_PROCESSES = 20_000;
// The whole argv, bounded by the kernel's own limit (ARG_MAX: a quarter of the 8 MiB default stack), not
// a prefix: a 5,000-character first argument must not push "serveo.net" out of view
const CMDLINE_READ = 2 * 1024 * 1024;
const CMDLINE_MAX = CMDLINE_READ;
const NAME_MAX = 256;
const PARALLEL = 16;

interface ProcDetails {
  exe?: string | undefined;
  cmdline?: string | undefined; // undefined: unreadable; '': kernel thread or zombie
  argv?: string[] | undefined;
  uid?: number | undefined;
  ppid?: number | undefined;
  comm?: string | undefined;
}

async function readDetails(runner: Runner, e: PsEntry, withComm: boolean, withStatus: boolean): Promise<ProcDetails> {
  const base = `/proc/${e.pid}`;
  const [exe, argv, status, comm] = await Promise.all([
    (e.exeLink !== undefined ? Promise.resolve(e.exeLink) : e.kthread ? Promise.reject() : runner.readLink(`${base}/exe`)).then(
      (t) => t.replace(/ \(deleted\)$/, ''),
      () => undefined,
    ),
    // a kernel thread's is empty: nothing to read (and one check less per thread, see proc-memory.ts)
    e.kthread ? splitArgv(Buffer.alloc(0)) : runner.readFile(`${base}/cmdline`, CMDLINE_READ).then(splitArgv, () => undefined),
    withStatus
      ? runner.readFile(`${base}/status`, 16 * 1024).then(
          (b) => b.toString('utf8'),
          () => undefined,
        )
      : undefined,
    withComm ? readComm(runner, base) : undefined,
  ]);
  return { exe, argv, cmdline: argv?.join(' '), comm, ...parseStatus(status) };
}

const readComm = (runner: Runner, base: string): Promise<string | undefined> =>
  runner.readFile(`${base}/comm`, 256).then(
    (b) => b.toString('utf8').replace(/\n$/, ''),
    () => undefined,
  );

/** For an interpreter (python3.x, node, sh...): the script it runs, its link resolved against the process's cwd. */
async function readScript(runner: Runner, pid: number, d: ProcDetails): Promise<ScriptInfo | undefined> {
  if (!d.exe || !d.argv || !interpreterOf(basename(d.exe))) return undefined;
  const base = `/proc/${pid}`;
  const [cwd, comm] = await Promise.all([runner.readLink(`${base}/cwd`).catch(() => undefined), d.comm ?? readComm(runner, base)]);
  const script = scriptOf(d.exe, d.argv, comm, cwd);
  if (!script?.path) return script;
  // /usr/local/bin/lt -> ../lib/node_modules/localtunnel/bin/lt.js: the package lives where the link points
  const target = await runner.readLink(script.path).catch(() => undefined);
  if (target) {
    const dir = script.path.slice(0, script.path.lastIndexOf('/'));
    script.path = normalizePath(target.startsWith('/') ? target : `${dir}/${target}`);
    const pkg = packageOf(script.path);
    if (pkg) script.package = pkg;
  }
  return script;
}

/** argv is NUL-separated with a trailing NUL; processes that rewrite their title may use spaces instead. */
export function joinArgv(b: Buffer): string {
  return splitArgv(b).join(' ');
}

function splitArgv(b: Buffer): string[] {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return b.subarray(0, end).toString('utf8').split('\0');
}

/** Effective uid (the second Uid field, as ps reports it) and parent pid from /proc/<pid>/status. */
export function parseStatus(s: string | undefined): { uid?: number | undefined; ppid?: number | undefined } {
  if (!s) return {};
  const uid = /^Uid:\s+\d+\s+(\d+)/m.exec(s);
  const ppid = /^PPid:\s+(\d+)/m.exec(s);
  return { uid: uid ? Number(uid[1]) : undefined, ppid: ppid ? Number(ppid[1]) : undefined };
}

/** uid -> user name from /etc/passwd; an unreadable file leaves users shown by number. */
export async function readUsers(runner: Runner): Promise<Map<number, string>> {
  const users = new Map<number, string>();
  let text = '';
  try {
    text = (await runner.readFile('/etc/passwd', 1024 * 1024)).toString('utf8');
  } catch {
    return users;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && /^\d+$/.test(f[2]) && f[0]) users.set(Number(f[2]), f[0]);
  }
  return users;
}

async function pidsFromProc(runner: Runner): Promise<PsEntry[]> {
  const ents = await runner.readDir('/proc');
  return ents.filter((e) => /^\d+$/.test(e.name)).map((e) => ({ pid: Number(e.name), name: '' }));
}

async function processTable(runner: Runner): Promise<{ entries: PsEntry[]; fromPs: boolean }> {
  let psError: string;
  try {
    return { entries: await runner.listProcesses(), fromPs: true };
  } catch (e) {
    psError = e instanceof Error ? e.message : String(e);
  }
  try {
    return { entries: await pidsFromProc(runner), fromPs: false };
  } catch (e) {
    const procError = e instanceof Error ? e.message : String(e);
    throw new Error(`cannot list processes: ${psError.split('\n')[0]}; ${procError.split('\n')[0]}`);
  }
}

export const linuxProcesses: Collector = {
  name: 'linux.processes',
  async collect(ctx) {
    const { runner } = ctx;
    const [{ entries, fromPs }, users] = await Promise.all([processTable(runner), readUsers(runner)]);
    const list = entries.filter((e) => Number.isSafeInteger(e.pid) && e.pid > 0).slice(0, MAX_PROCESSES);
    const details = await mapLimit(list, PARALLEL, async (e): Promise<ProcDetails & { script?: ScriptInfo | undefined }> => {
      // status only adds the owner and parent, which the table has from the same file (or ps) already
      const d = await readDetails(runner, e, !fromPs || !e.name, e.uid === undefined || e.ppid === undefined);
      return { ...d, script: await readScript(runner, e.pid, d) };
    });
    const processes: ProcessInfo[] = [];
    list.forEach((e, i) => {
      const d: ProcDetails & { script?: ScriptInfo | undefined } = details[i] ?? {};
      const name = e.name || d.comm;
      if (!name && !d.exe && !d.cmdline) return; // vanished between listing and reading
      const uid = d.uid ?? e.uid;
      const p: ProcessInfo = { pid: e.pid, name: clean(name ?? '', NAME_MAX) };
      const ppid = e.ppid ?? d.ppid;
      if (ppid !== undefined) p.ppid = ppid;
      const exe = cleanOpt(d.exe, CMDLINE_MAX);
      if (exe) p.exe = exe;
      // /proc/<pid>/cmdline is the raw argv; ps's copy is a fallback when /proc hides it (hidepid)
      const cmdline = cleanOpt(d.cmdline === undefined ? e.cmd : d.cmdline, CMDLINE_MAX);
      if (cmdline) p.cmdline = cmdline;
      if (uid !== undefined) p.user = clean(users.get(uid) ?? String(uid), NAME_MAX);
      if (d.script) p.script = cleanScript(d.script);
      processes.push(p);
    });
    return { processes: processes.sort((a, b) => a.pid - b.pid) };
  },
};

function cleanScript(s: ScriptInfo): ScriptInfo {
  const out: ScriptInfo = { name: clean(s.name, NAME_MAX) };
  const path = cleanOpt(s.path, CMDLINE_MAX);
  if (path) out.path = path;
  const pkg = cleanOpt(s.package, NAME_MAX);
  if (pkg) out.package = pkg;
  return out;
}
