import type { PackageInfo } from '../../model.ts';
import type { DirEntry, Runner } from '../../runner.ts';
import type { Collector } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { mapLimit } from '../common/pool.ts';
import { basename, lines } from '../common/text.ts';
import { splitArgs } from './text.ts';

// Launchers (.desktop files, freedesktop.org Desktop Entry Specification) catch what no package
// manager knows: AppImages, tarballs unpacked in a home directory, per-user installs.

const SYSTEM_DIRS = [
  '/usr/share/applications',
  '/usr/local/share/applications',
  '/var/lib/flatpak/exports/share/applications',
  '/var/lib/snapd/desktop/applications',
  '/root/.local/share/applications',
];
const MAX_HOMES = 500;
const MAX_FILES_PER_DIR = 5000;
const MAX_FILE_BYTES = 256 * 1024;

export interface DesktopEntry {
  name?: string;
  exec?: string;
  flatpak?: string; // X-Flatpak: the app ID of a flatpak export
}

/** Undoes the key-file escapes of a value (\s \n \t \r \\). */
function unescapeValue(v: string): string {
  return v.replace(/\\([sntr\\])/g, (_, c: string) => ({ s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' })[c] ?? c);
}

/**
 * The program an Exec line launches: past `env VAR=value` wrappers and field codes (%U, %f...), and for
 * `flatpak run --command=x app` the command inside the sandbox.
 */
export function execProgram(exec: string): string | undefined {
  let args = splitArgs(exec).filter((a) => !/^%[a-zA-Z]$/.test(a));
  if (args[0] && basename(args[0]) === 'env') {
    args = args.slice(1);
    // env(1): -u NAME and -C DIR take a value, -S STRING holds the rest of the command line
    while (args.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(args[0]) || args[0].startsWith('-'))) {
      const opt = args[0];
      if (opt === '-S' || opt === '--split-string') args = [...splitArgs(args[1] ?? ''), ...args.slice(2)];
      else args = args.slice(opt === '-u' || opt === '-C' ? 2 : 1);
    }
  }
  const prog = args[0];
  if (!prog) return undefined;
  if (basename(prog) === 'flatpak' && args[1] === 'run') {
    const cmd = args.find((a) => a.startsWith('--command='));
    if (cmd) return basename(cmd.slice('--command='.length)) || undefined;
  }
  return basename(prog) || undefined;
}

export function parseDesktopEntry(text: string): DesktopEntry {
  const e: DesktopEntry = {};
  let inMain = false;
  for (const raw of lines(text)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      inMain = line === '[Desktop Entry]';
      continue;
    }
    if (!inMain) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    // most lines are translations: only the three values wanted are unescaped
    const value = () => unescapeValue(line.slice(eq + 1).trim());
    // first occurrence wins, and localized keys (Name[de]) are not the canonical name
    if (key === 'Name' && e.name === undefined) e.name = value();
    else if (key === 'Exec' && e.exec === undefined) e.exec = value();
    else if (key === 'X-Flatpak' && e.flatpak === undefined) e.flatpak = value();
  }
  return e;
}

async function homeDirs(runner: Runner): Promise<string[]> {
  try {
    const ents = await runner.readDir('/home');
    return ents
      .filter((e) => e.isDir)
      .slice(0, MAX_HOMES)
      .map((e) => `/home/${e.name}/.local/share/applications`);
  } catch {
    return [];
  }
}

/** .desktop files in a directory and its direct subdirectories (the spec allows vendor subfolders). */
async function desktopFiles(runner: Runner, dir: string): Promise<string[]> {
  let ents: DirEntry[];
  try {
    ents = await runner.readDir(dir);
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const e of ents.slice(0, MAX_FILES_PER_DIR)) {
    if (!e.isDir && e.name.endsWith('.desktop')) files.push(`${dir}/${e.name}`);
    else if (e.isDir) {
      const sub = await runner.readDir(`${dir}/${e.name}`).catch(() => []);
      for (const s of sub.slice(0, MAX_FILES_PER_DIR)) {
        if (!s.isDir && s.name.endsWith('.desktop')) files.push(`${dir}/${e.name}/${s.name}`);
      }
    }
  }
  return files;
}

function toPackage(path: string, e: DesktopEntry): PackageInfo | undefined {
  const name = cleanOpt(e.name, 256) ?? cleanOpt(basename(path).replace(/\.desktop$/, ''), 256);
  if (!name) return undefined;
  const p: PackageInfo = { name, source: 'desktop', path: clean(path, 4096) };
  const prog = e.exec ? execProgram(e.exec) : undefined;
  if (prog) p.exec = clean(prog, 256);
  const bundle = cleanOpt(e.flatpak, 256);
  if (bundle) p.bundleId = bundle;
  return p;
}

export const linuxDesktopEntries: Collector = {
  name: 'linux.desktop',
  async collect(ctx) {
    const { runner } = ctx;
    const dirs = [...SYSTEM_DIRS, ...(await homeDirs(runner))];
    const files = (await mapLimit(dirs, 4, (d) => desktopFiles(runner, d))).flatMap((f) => f ?? []);
    const entries = await mapLimit(files, 16, async (f) => parseDesktopEntry((await runner.readFile(f, MAX_FILE_BYTES)).toString('utf8')));
    const packages: PackageInfo[] = [];
    files.forEach((f, i) => {
      const e = entries[i];
      const p = e && toPackage(f, e);
      if (p) packages.push(p);
    });
    return { packages };
  },
};
