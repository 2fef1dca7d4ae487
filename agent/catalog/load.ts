import { readSafeFile } from '../config/safe-file.ts';
import builtIn from '../../shared/catalog/catalog.json' with { type: 'json' };
import type { CollectHints } from '../collectors/types.ts';
import type { OsName } from '../model.ts';
import type { Catalog } from './types.ts';
import { builtInCatalog, CatalogError, parseCatalog } from './validate.ts';
import { oneLine } from '../vocabulary.ts';

// Loads the detection catalog. The committed shared/catalog/catalog.json is imported statically so a
// bundled agent carries it; a catalog file given at run time is read and checked the same way.

export { CatalogError, parseCatalog, validateCatalog } from './validate.ts';
export { CATEGORIES } from '../vocabulary.ts';

const MAX_CATALOG_BYTES = 64 * 1024 * 1024;

let builtInChecked: Catalog | undefined;

/** The catalog at `path`, or the one built into the agent. */
export function loadCatalog(path?: string): Catalog {
  if (path === undefined) {
    builtInChecked ??= builtInCatalog(builtIn);
    return builtInChecked;
  }
  let text: string;
  try {
    text = readSafeFile(path, { what: 'catalog', maxBytes: MAX_CATALOG_BYTES }).toString('utf8');
  } catch (e) {
    // readSafeFile's errors already name the file and say why (a FIFO, a device, too large, missing)
    throw new CatalogError(oneLine(e));
  }
  return parseCatalog(text, path);
}

/** What collectors should fingerprint on this OS: every executable and script name the catalog knows for it, and where. */
export function hintsFor(catalog: Catalog, os: OsName): CollectHints {
  const names = new Set<string>();
  const scripts = new Set<string>();
  const dirs = new Set<string>();
  for (const t of catalog.tools) {
    for (const n of t.processes[os]) names.add(n.toLowerCase());
    if (os !== 'windows') for (const s of t.scripts ?? []) scripts.add(s.toLowerCase());
    for (const p of t.paths) {
      const d = installDirOf(p, os);
      if (d) dirs.add(d);
    }
  }
  return { executableNames: [...names].sort(), scriptNames: [...scripts].sort(), installDirs: [...dirs].sort() };
}

// Folders every host has: listing them is the bin-folder search's job, or they hold everything.
const TOO_BROAD = new Set([
  '/',
  '/etc',
  '/var',
  '/var/lib',
  '/usr',
  '/usr/local',
  '/usr/lib',
  '/usr/share',
  '/opt',
  '/tmp',
  '/home',
  '/root',
]);

/** The fixed folder a catalog path pattern starts with ("/usr/local/mesh_services/meshagent/*" -> its folder), for Unix OSes. */
export function installDirOf(pattern: string, os: OsName): string | undefined {
  if (os === 'windows' || !pattern.startsWith('/')) return undefined;
  const mac = /^\/(applications|library|users|system|private)\//.test(pattern);
  if ((os === 'linux') === mac) return undefined;
  const fixed = pattern.split('*')[0];
  // the part before a wildcard ends in "/" for a folder; otherwise the pattern names a file: take its folder
  const dir = fixed.endsWith('/') ? fixed.replace(/\/+$/, '') : fixed.slice(0, fixed.lastIndexOf('/'));
  if (!dir || TOO_BROAD.has(dir) || dir.split('/').length < 3) return undefined;
  return dir;
}
