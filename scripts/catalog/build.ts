import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog, CatalogTool } from '../../agent/catalog/types.ts';
import { validateCatalog } from '../../agent/catalog/validate.ts';
import { categorize } from './category.ts';
import { type Draft, DraftStore } from './draft.ts';
import { importExtras } from './extras.ts';
import { MISATTRIBUTED } from './misattributed.ts';
import { importJschell } from './jschell.ts';
import { importLolrmm } from './lolrmm.ts';
import { importRmml } from './rmml.ts';
import { importWinget, WINGET_REPO } from './winget.ts';

// Reads the three upstream lists and our extras, merges them per tool and returns the catalog in its
// final, deterministic form: tools sorted by id, every list sorted and free of duplicates, and a
// generatedAt taken from the sources' export date so the same inputs always give the same bytes.

export interface ImportOptions {
  sourcesDir: string; // holds lolrmm/, rmml/, jschell-rmm-network/, each with SOURCE.md
  extrasFile: string;
  /** shared/catalog/winget/manifests.yaml: fields of real winget manifests; absent = none. */
  wingetFile?: string;
}

export interface ImportResult {
  catalog: Catalog;
  dropped: Map<string, number>;
  counts: { lolrmmFiles: number; rmmlFiles: number; jschellRows: number; extras: number; winget: number };
}

interface SourceMeta {
  commit: string;
  exportedOn: string; // YYYY-MM-DD
}

/** Commit and export date from a SOURCE.md ("commit exported: ... <40 hex>", "Exported on: 2026-11-22"). */
export function readSourceMeta(dir: string): SourceMeta {
  const file = join(dir, 'SOURCE.md');
  const text = readFileSync(file, 'utf8');
  const commitLine = text.split('\n').find((l) => /commit/i.test(l) && /\b[0-9a-f]{40}\b/.test(l));
  const commit = commitLine && /\b([0-9a-f]{40})\b/.exec(commitLine)?.[1];
  const date = /exported on:\s*(\d{4}-\d{2}-\d{2})/i.exec(text)?.[1];
  if (!commit) throw new Error(`${file}: no commit id`);
  if (!date) throw new Error(`${file}: no "Exported on" date`);
  return { commit, exportedOn: date };
}

function sorted(s: Iterable<string>): string[] {
  return [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function finalize(d: Draft): CatalogTool {
  return {
    id: d.id,
    name: d.name,
    category: categorize(d),
    processes: { windows: sorted(d.processes.windows), darwin: sorted(d.processes.darwin), linux: sorted(d.processes.linux) },
    paths: sorted(d.paths),
    bundleIds: sorted(d.bundleIds),
    packages: sorted(d.packages),
    services: sorted(d.services),
    domains: sorted(d.domains),
    ports: [...d.ports].sort((a, b) => a - b),
    signers: sorted(d.signers),
    teamIds: sorted(d.teamIds),
    peOriginalFilenames: sorted(d.peOriginalFilenames),
    usb: [...d.usb.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, u]) => ({ vendorId: u.vendorId, productId: u.productId, strings: sorted(u.strings) })),
    displayNames: sorted(d.displayNames),
    settings: [...d.settings.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => s),
    banners: sorted(d.banners),
    scripts: sorted(d.scripts),
    productNames: sorted(d.productNames),
    commandLines: sorted(d.commandLines),
    sources: sorted(d.sources),
    references: sorted(d.references),
  };
}

/** Takes values an upstream list filed under the wrong tool off it, and gives them to the right one. */
function moveMisattributed(store: DraftStore): void {
  for (const m of MISATTRIBUTED) {
    const from = store.drafts.get(m.from);
    if (!from?.[m.field].delete(m.value))
      throw new Error(`misattributed.ts: ${m.from} has no ${m.field} "${m.value}" any more; remove the entry`);
    if (!m.to) continue;
    const to = store.drafts.get(m.to);
    if (!to) throw new Error(`misattributed.ts: no tool "${m.to}"`);
    to[m.field].add(m.value);
  }
}

export function importCatalog(opts: ImportOptions): ImportResult {
  const lolrmmDir = join(opts.sourcesDir, 'lolrmm');
  const rmmlDir = join(opts.sourcesDir, 'rmml');
  const jschellDir = join(opts.sourcesDir, 'jschell-rmm-network');
  const meta = { lolrmm: readSourceMeta(lolrmmDir), rmml: readSourceMeta(rmmlDir), jschell: readSourceMeta(jschellDir) };

  const store = new DraftStore();
  // Order matters only for display names (first source to name a tool wins unless curated): LOLRMM first.
  const lolrmmFiles = importLolrmm(lolrmmDir, store, meta.lolrmm.commit);
  const rmmlFiles = importRmml(rmmlDir, store, meta.rmml.commit);
  const jschellRows = importJschell(jschellDir, store, meta.jschell.commit);
  const extras = importExtras(opts.extrasFile, store);
  const winget = opts.wingetFile ? importWinget(opts.wingetFile, store) : 0;
  moveMisattributed(store);

  const tools = [...store.drafts.values()].map(finalize).sort((a, b) => (a.id < b.id ? -1 : 1));
  const generatedAt = `${[meta.lolrmm, meta.rmml, meta.jschell]
    .map((m) => m.exportedOn)
    .sort()
    .at(-1)}T00:00:00.000Z`;
  const catalog: Catalog = {
    schema: 'ratwatch.catalog/1',
    generatedAt,
    sources: [
      { id: 'lolrmm', name: 'LOLRMM', license: 'Apache-2.0', url: 'https://github.com/magicsword-io/LOLRMM', commit: meta.lolrmm.commit },
      { id: 'rmml', name: 'RMML', license: 'MIT', url: 'https://github.com/LivingInSyn/RMML', commit: meta.rmml.commit },
      {
        id: 'jschell',
        name: 'Remote Management Monitoring Tools (network indicators)',
        license: 'MIT',
        url: 'https://github.com/jschell/RemoteManagementMonitoringTools',
        commit: meta.jschell.commit,
      },
      ...(winget
        ? [{ id: 'winget', name: 'winget-pkgs manifests (shared/catalog/winget/manifests.yaml)', license: 'MIT', url: WINGET_REPO }]
        : []),
      {
        id: 'ratwatch',
        name: 'ratwatch hand-curated extras (shared/catalog/extras.yaml)',
        license: 'Apache-2.0',
        url: 'shared/catalog/extras.yaml',
      },
    ],
    tools,
  };
  // The importer's output must pass the same check the agent applies when it loads a catalog.
  validateCatalog(catalog, 'import result');
  return { catalog, dropped: store.dropped, counts: { lolrmmFiles, rmmlFiles, jschellRows, extras, winget } };
}

export function serializeCatalog(catalog: Catalog): string {
  return `${JSON.stringify(catalog, null, 2)}\n`;
}
