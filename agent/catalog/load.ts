import { readFileSync } from 'node:fs';
import builtIn from '../../shared/catalog/catalog.json' with { type: 'json' };
import type { CollectHints } from '../collectors/types.ts';
import type { OsName } from '../model.ts';
import type { Catalog } from './types.ts';
import { CatalogError, parseCatalog, validateCatalog } from './validate.ts';
import { oneLine } from '../vocabulary.ts';

// Loads the detection catalog. The committed shared/catalog/catalog.json is imported statically so a
// bundled agent carries it; a catalog file given at run time is read and checked the same way.

export { CatalogError, parseCatalog, validateCatalog } from './validate.ts';
export { CATEGORIES } from '../vocabulary.ts';

let builtInChecked: Catalog | undefined;

/** The catalog at `path`, or the one built into the agent. */
export function loadCatalog(path?: string): Catalog {
  if (path === undefined) {
    builtInChecked ??= validateCatalog(builtIn, 'built-in');
    return builtInChecked;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CatalogError(`catalog ${path}: cannot be read (${code ?? oneLine(e, 200)})`);
  }
  return parseCatalog(text, path);
}

/** What collectors should fingerprint on this OS: every executable name the catalog knows for it. */
export function hintsFor(catalog: Catalog, os: OsName): CollectHints {
  const names = new Set<string>();
  for (const t of catalog.tools) for (const n of t.processes[os]) names.add(n.toLowerCase());
  return { executableNames: [...names].sort() };
}
