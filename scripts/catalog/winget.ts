import { normalizeProductName } from '../../agent/catalog/product-name.ts';
import { Adder, type DraftStore } from './draft.ts';
import { asList, asRecord, asString } from './util.ts';
import { readYaml } from './yaml-files.ts';

// shared/catalog/winget/manifests.yaml: fields copied from real winget manifests (microsoft/winget-pkgs).
// What Windows shows of an installed package: the Uninstall DisplayName is the manifest's
// AppsAndFeaturesEntries DisplayName, else its PackageName (winget's own correlation uses the same order),
// so both become product names and package names of the tool. Each manifest file becomes a reference.
// Strict like the extras: a value the cleaners refuse, or a tool the catalog does not have, is an error.

export const WINGET_REPO = 'https://github.com/microsoft/winget-pkgs';

export interface WingetEntry {
  tool: string;
  packageIdentifier: string;
  /** What an Uninstall entry of this package shows: DisplayName and Publisher. */
  uninstall: { displayName: string; publisher?: string | undefined }[];
  references: string[];
}

/** The entries of the manifests file, checked: each names a tool, a PackageIdentifier, a PackageName and its manifest files. */
export function readWinget(file: string): WingetEntry[] {
  const pkgs = asRecord(readYaml(file, `winget ${file}`)).packages;
  if (!Array.isArray(pkgs)) throw new Error(`winget ${file}: "packages" must be a list`);
  return pkgs.map((p, i) => {
    const r = asRecord(p);
    const id = asString(r.PackageIdentifier);
    const where = `winget packages[${i}]${id ? ` (${id})` : ''}`;
    const tool = asString(r.tool);
    const name = asString(r.PackageName);
    if (!tool || !id || !name) throw new Error(`${where}: tool, PackageIdentifier and PackageName are required`);
    const references = asList(r.manifests).map((m) => {
      const mr = asRecord(m);
      const path = asString(mr.path);
      const commit = asString(mr.commit);
      if (!path || !commit || !/^[0-9a-f]{40}$/.test(commit) || !path.startsWith('manifests/'))
        throw new Error(`${where}: each manifest needs a manifests/ path and a 40-hex commit`);
      return `${WINGET_REPO}/blob/${commit}/${path}`;
    });
    if (!references.length) throw new Error(`${where}: manifests are required`);
    const publisher = asString(r.Publisher);
    const entries = asList(r.AppsAndFeaturesEntries)
      .map(asRecord)
      .filter((e) => asString(e.DisplayName));
    const uninstall = entries.length
      ? entries.map((e) => ({ displayName: asString(e.DisplayName)!, publisher: asString(e.Publisher) ?? publisher }))
      : [{ displayName: name, publisher }];
    return { tool, packageIdentifier: id, uninstall, references };
  });
}

export function importWinget(file: string, store: DraftStore): number {
  const entries = readWinget(file);
  for (const e of entries) {
    if (!store.has(e.tool)) throw new Error(`winget ${e.packageIdentifier}: no catalog tool "${e.tool}"`);
    const draft = store.get(e.tool, e.tool);
    draft.sources.add('winget');
    const add = new Adder(store, draft, `winget ${e.packageIdentifier}`, true);
    for (const u of e.uninstall) {
      add.pkg(u.displayName);
      add.productName(normalizeProductName(u.displayName));
    }
    for (const r of e.references) add.reference(r);
  }
  return entries.length;
}
