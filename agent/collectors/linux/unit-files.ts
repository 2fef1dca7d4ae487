import type { DirEntry, Runner } from '../../runner.ts';
import { lines } from '../common/text.ts';
import type { UnitFileRow } from './services-systemd.ts';

// The installed unit files and their enablement, read from systemd's unit folders the way
// `systemctl list-unit-files` works them out (src/shared/install.c: unit_file_lookup_state), without
// starting systemctl (0.4 s of CPU for a listing that is a few readdir calls). Only what a scan reports
// is reproduced: masked, generated, alias, enabled(-runtime), disabled, indirect, static.

// Search order of systemd's system unit paths (systemd.unit(5)), generators included for SysV scripts
export const UNIT_DIRS = [
  '/etc/systemd/system',
  '/run/systemd/system',
  '/run/systemd/generator',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
  '/run/systemd/generator.late',
];
const CONFIG_DIRS = ['/etc/systemd/system', '/run/systemd/system']; // where enabling puts its links
const GENERATOR_DIRS = new Set(['/run/systemd/generator', '/run/systemd/generator.late']);
const UNIT_RE = /^[\w:.\\@-]+\.(service|socket)$/;
const DEP_DIR_RE = /\.(wants|requires|upholds)$/;
const MAX_ENTRIES = 20_000;

export interface UnitFile extends UnitFileRow {
  /** The file that defines the unit (the link itself for an alias or a masked unit). */
  file: string;
}

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/**
 * The text from the start of the line where `header` first appears, '' if nowhere: no line before that
 * one can be the section's header, so a parser looking for that section alone may skip them. Most unit
 * files are a few dozen lines, and most of those lines are in other sections.
 */
export function fromLineOf(text: string, header: string): string {
  const at = text.indexOf(header);
  return at < 0 ? '' : text.slice(text.lastIndexOf('\n', at) + 1);
}

/** Install section kinds: which [Install] keys a unit file sets. */
export function installKinds(text: string): { wanted: boolean; also: boolean } {
  let inInstall = false;
  let wanted = false;
  let also = false;
  for (const raw of lines(fromLineOf(text, '[Install]'))) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inInstall = line === '[Install]';
      continue;
    }
    if (!inInstall) continue;
    const m = /^(\w+)\s*=\s*(\S.*)?$/.exec(line);
    if (!m?.[2]) continue;
    if (/^(WantedBy|RequiredBy|UpheldBy|Alias)$/.test(m[1])) wanted = true;
    else if (m[1] === 'Also') also = true;
  }
  return { wanted, also };
}

/** Lists a folder; the systemd collector passes one that remembers, as it lists the unit folders again. */
export type ListDir = (dir: string) => Promise<DirEntry[]>;

async function list(listDir: ListDir, dir: string) {
  try {
    return (await listDir(dir)).slice(0, MAX_ENTRIES);
  } catch {
    return [];
  }
}

/** Names that enabling links point at or stand for, from the config folders; runtime-only ones apart. */
async function enablingLinks(runner: Runner, listDir: ListDir): Promise<{ persistent: Set<string>; runtime: Set<string> }> {
  const persistent = new Set<string>();
  const runtime = new Set<string>();
  for (const dir of CONFIG_DIRS) {
    const into = dir.startsWith('/run/') ? runtime : persistent;
    const add = async (path: string, name: string) => {
      into.add(name);
      const target = await runner.readLink(path).catch(() => undefined);
      if (target && target !== '/dev/null') into.add(base(target));
    };
    for (const e of await list(listDir, dir)) {
      if (e.isDir && DEP_DIR_RE.test(e.name)) {
        for (const w of await list(listDir, `${dir}/${e.name}`)) if (w.isLink) await add(`${dir}/${e.name}/${w.name}`, w.name);
      } else if (e.isLink && UNIT_RE.test(e.name)) {
        // an alias link (sshd.service -> ssh.service) enables its target
        const target = await runner.readLink(`${dir}/${e.name}`).catch(() => undefined);
        if (target && target !== '/dev/null' && base(target) !== e.name) into.add(base(target));
      }
    }
  }
  return { persistent, runtime };
}

/** Instances enabled for a template (getty@tty1.service enables getty@.service). */
function templateEnabled(names: Set<string>, unit: string): boolean {
  const m = /^([^@]+@)\.(\w+)$/.exec(unit);
  if (!m) return false;
  for (const n of names) if (n.startsWith(m[1]) && n.endsWith(`.${m[2]}`)) return true;
  return false;
}

// systemctl's order: by unit type (services before sockets, systemd's UnitType order), then byte order of the name
const TYPE_ORDER: Record<string, number> = { service: 0, socket: 1 };
function byTypeThenName(a: string, b: string): number {
  const ta = TYPE_ORDER[a.slice(a.lastIndexOf('.') + 1)] ?? 9;
  const tb = TYPE_ORDER[b.slice(b.lastIndexOf('.') + 1)] ?? 9;
  if (ta !== tb) return ta - tb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every service and socket unit file with its state, first folder wins. `read` returns a unit file's
 * text (undefined when unreadable); callers pass one that caches, since they read the files again.
 */
export async function listUnitFiles(
  runner: Runner,
  read: (file: string) => Promise<string | undefined>,
  listDir: ListDir = (dir) => runner.readDir(dir),
): Promise<UnitFile[]> {
  const found = new Map<string, { dir: string; isLink: boolean }>();
  for (const dir of UNIT_DIRS) {
    for (const e of await list(listDir, dir)) {
      if (e.isDir || !UNIT_RE.test(e.name) || found.has(e.name)) continue;
      found.set(e.name, { dir, isLink: e.isLink });
    }
  }
  const links = await enablingLinks(runner, listDir);
  const out: UnitFile[] = [];
  for (const [unit, { dir, isLink }] of [...found.entries()].sort(([a], [b]) => byTypeThenName(a, b))) {
    const file = `${dir}/${unit}`;
    const target = isLink ? await runner.readLink(file).catch(() => undefined) : undefined;
    let state: string;
    if (target === '/dev/null') state = dir.startsWith('/run/') ? 'masked-runtime' : 'masked';
    else if (GENERATOR_DIRS.has(dir)) state = 'generated';
    else if (target && base(target) !== unit) state = 'alias';
    else if (links.persistent.has(unit) || templateEnabled(links.persistent, unit)) state = 'enabled';
    else if (links.runtime.has(unit) || templateEnabled(links.runtime, unit)) state = 'enabled-runtime';
    else {
      const text = await read(file);
      const k = text === undefined ? { wanted: false, also: false } : installKinds(text);
      state = k.wanted ? 'disabled' : k.also ? 'indirect' : 'static';
    }
    out.push({ unit, state, file });
  }
  return out;
}
