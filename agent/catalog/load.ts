import { oneLine } from '../config/errors.ts';
import { readSafeFile } from '../config/safe-file.ts';
import builtIn from '../../shared/catalog/catalog.json' with { type: 'json' };
import type { CollectHints } from '../collectors/types.ts';
import type { OsName } from '../model.ts';
import type { Catalog } from './types.ts';
import { CatalogError, parseCatalog, validateCatalog } from './validate.ts';

// Loads the detection catalog. The committed shared/catalog/catalog.json is imported statically so a
// bundled agent carries it; a catalog file given at run time is read and checked the same way.

export { CATEGORIES, CatalogError, parseCatalog, validateCatalog } from './validate.ts';

const MAX_CATALOG_BYTES = 64 * 1024 * 1024;

let builtInChecked: Catalog | undefined;

/** The catalog at `path`, or the one built into the agent. */
export function loadCatalog(path?: string): Catalog {
  if (path === undefined) {
    builtInChecked ??= validateCatalog(builtIn, 'built-in');
    return builtInChecked;
  }
  let text: string;
  try {
    text = readSafeFile(path, { what: 'catalog', maxBytes: MAX_CATALOG_BYTES }).toString('utf8');
  } catch (e) {
    throw new CatalogError(oneLine(e));
  }
  return parseCatalog(text, path);
}

/** What collectors should fingerprint on this OS: every executable name the catalog knows for it. */
export function hintsFor(catalog: Catalog, os: OsName): CollectHints {
  const names = new Set<string>();
  for (const t of catalog.tools) for (const n of t.processes[os]) names.add(n.toLowerCase());
  return { executableNames: [...names].sort() };
}
