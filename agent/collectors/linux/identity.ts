import type { FileInfo } from '../../model.ts';
import type { DirEntry, Runner } from '../../runner.ts';
import { IdentityCache } from '../common/identity.ts';
import type { Enricher } from '../types.ts';
import { mapLimit } from '../common/pool.ts';
import { basename } from '../common/text.ts';

// Fingerprints the binaries of running processes and the installed copies of every executable the
// catalog names. A renamed copy (/tmp/foo running x11vnc) carries the same sha256 or build-id as the
// reference /usr/bin/x11vnc, which is how the engine sees through the rename.

const BIN_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin', '/bin', '/sbin', '/snap/bin'];
const MAX_OPT_DIRS = 100;
const MAX_INSTALL_DIRS = 200;
const MAX_SUBDIRS = 20; // one level below a catalog install folder (/usr/local/mesh_services/meshagent/)
const MAX_DIR_ENTRIES = 20_000;
const PARALLEL = 2; // hashing is disk and CPU bound; the host's user comes first

/** Resolves a directory that is itself a link (merged /usr: /bin -> usr/bin) so one file is not listed twice. */
async function canonicalDir(runner: Runner, dir: string): Promise<string> {
  try {
    const t = await runner.readLink(dir);
    if (t.startsWith('/')) return t.replace(/\/+$/, '');
    const parent = dir.slice(0, dir.lastIndexOf('/')) || '';
    return `${parent}/${t}`.replace(/\/+$/, '');
  } catch {
    return dir;
  }
}

async function candidateDirs(runner: Runner, installDirs: readonly string[]): Promise<string[]> {
  const dirs = [...BIN_DIRS];
  try {
    const opt = (await runner.readDir('/opt')).filter((e) => e.isDir).slice(0, MAX_OPT_DIRS);
    for (const e of opt) dirs.push(`/opt/${e.name}`, `/opt/${e.name}/bin`);
  } catch {
    // no /opt
  }
  // the catalog's own install folders (a renamed meshagent under /usr/local/mesh_services/...), and one level below
  for (const dir of installDirs.slice(0, MAX_INSTALL_DIRS)) {
    let subs: DirEntry[];
    try {
      subs = (await runner.readDir(dir)).filter((e) => e.isDir && !e.isLink).slice(0, MAX_SUBDIRS);
    } catch {
      continue; // not installed here
    }
    dirs.push(dir, ...subs.map((e) => `${dir}/${e.name}`));
  }
  return dirs;
}

/** Paths under the usual binary directories and `installDirs` whose basename is one of `names` (case-insensitive). */
export async function findReferenceFiles(runner: Runner, names: readonly string[], installDirs: readonly string[] = []): Promise<string[]> {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  if (wanted.size === 0) return [];
  const seenDirs = new Set<string>();
  const found: string[] = [];
  for (const dir of await candidateDirs(runner, installDirs)) {
    const canon = await canonicalDir(runner, dir);
    if (seenDirs.has(canon)) continue;
    seenDirs.add(canon);
    let ents: DirEntry[];
    try {
      ents = await runner.readDir(dir);
    } catch {
      continue;
    }
    for (const e of ents.slice(0, MAX_DIR_ENTRIES)) {
      if (e.isDir || !wanted.has(e.name.toLowerCase())) continue;
      const path = `${dir}/${e.name}`;
      // every /snap/bin command is a link to /usr/bin/snap: its hash would tie all snaps to one another
      if (
        e.isLink &&
        (await runner.readLink(path).then(
          (t) => basename(t) === 'snap',
          () => false,
        ))
      )
        continue;
      found.push(path);
    }
  }
  return found;
}

const COMM_LEN = 15; // Linux keeps 15 characters of a process name; the engine matches such names by prefix

/**
 * Which files deserve a sha256. The engine uses a process's hash only to tie it to a reference copy
 * (equal hashes need equal sizes) or as evidence for a tool its name already names; anything else would
 * be read in full for nothing. Build-ids cost one small read and are always taken.
 */
export function hashPolicy(names: readonly string[], refSizes: ReadonlySet<number>) {
  const wanted = new Set(names.map((n) => n.toLowerCase().replace(/\.(exe|app)$/, '')));
  const namesTool = (raw: string | undefined): boolean => {
    const n = raw
      ?.trim()
      .toLowerCase()
      .replace(/\.(exe|app)$/, '');
    if (!n) return false;
    if (wanted.has(n)) return true;
    return raw!.length === COMM_LEN && [...wanted].some((w) => w.startsWith(n));
  };
  return (path: string, ...aliases: (string | undefined)[]) => {
    // its own executable (128 MB) never matches a catalog tool
    if (path === process.execPath) return () => false;
    const byName = namesTool(basename(path)) || aliases.some(namesTool);
    return (size: number) => byName || refSizes.has(size);
  };
}

export const linuxIdentity: Enricher = {
  name: 'linux.identity',
  async enrich(ctx, inv) {
    const ids = new IdentityCache(ctx.runner);
    const names = [...ctx.hints.executableNames, ...(ctx.hints.scriptNames ?? [])];
    // reference copies first: their sizes decide which running binaries are worth hashing
    const known = new Set(inv.files.map((f) => f.path));
    const refs = (await findReferenceFiles(ctx.runner, names, ctx.hints.installDirs)).filter((p) => !known.has(p));
    const got = await mapLimit(refs, PARALLEL, (path) => ids.get(path));
    refs.forEach((path, i) => {
      const identity = got[i];
      if (identity) inv.files.push({ path, identity } satisfies FileInfo);
    });
    const refSizes = new Set(inv.files.map((f) => f.identity.size).filter((n): n is number => typeof n === 'number'));
    const policy = hashPolicy(names, refSizes);

    const byExe = new Map<string, { pid: number; names: string[] }>(); // exe -> a pid running it, and the names it runs under
    for (const p of inv.processes) {
      if (!p.exe) continue;
      const e = byExe.get(p.exe);
      if (!e) byExe.set(p.exe, { pid: p.pid, names: [p.name] });
      else if (!e.names.includes(p.name)) e.names.push(p.name);
    }
    // /proc/<pid>/exe opens the very file the process runs, even if it was deleted or replaced since
    const exes = [...byExe.entries()];
    await mapLimit(exes, PARALLEL, ([exe, { pid, names: as }]) => ids.get(exe, [`/proc/${pid}/exe`, exe], policy(exe, ...as)));
    for (const p of inv.processes) {
      if (!p.exe) continue;
      const id = await ids.get(p.exe);
      if (id) p.identity = { ...p.identity, ...id };
    }
    // an interpreted server is its script, not python3 or node: a renamed copy of the script has the same sha256
    const scripts = [...new Map(inv.processes.filter((p) => p.script?.path).map((p) => [p.script!.path!, p])).entries()];
    await mapLimit(scripts, PARALLEL, ([path, p]) => ids.get(path, [`/proc/${p.pid}/root${path}`, path], policy(path, p.script!.name)));
    for (const p of inv.processes) {
      if (!p.script?.path) continue;
      const id = await ids.get(p.script.path);
      if (id) p.script.identity = id;
    }
  },
};
