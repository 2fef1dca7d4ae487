import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importCatalog, serializeCatalog } from './catalog/build.ts';

// `npm run catalog`: rebuilds shared/catalog/catalog.json from the upstream lists (../shared/catalog-sources)
// shared/catalog/extras.yaml and shared/catalog/winget/manifests.yaml. Options: --sources DIR, --extras FILE, --out FILE, --verbose (list drops).

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv: string[]): { sources: string; extras: string; winget: string; out: string; verbose: boolean } {
  const opts = {
    sources: resolve(repoRoot, '../shared/catalog-sources'),
    extras: join(repoRoot, 'shared/catalog/extras.yaml'),
    winget: join(repoRoot, 'shared/catalog/winget/manifests.yaml'),
    out: join(repoRoot, 'shared/catalog/catalog.json'),
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return resolve(v);
    };
    if (a === '--sources') opts.sources = value();
    else if (a === '--extras') opts.extras = value();
    else if (a === '--out') opts.out = value();
    else if (a === '--verbose') opts.verbose = true;
    else throw new Error(`unknown option ${a} (use --sources DIR, --extras FILE, --out FILE, --verbose)`);
  }
  return opts;
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const { catalog, dropped, counts } = importCatalog({ sourcesDir: opts.sources, extrasFile: opts.extras, wingetFile: opts.winget });
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, serializeCatalog(catalog));

  const byCategory = new Map<string, number>();
  const bySource = new Map<string, number>();
  for (const t of catalog.tools) {
    byCategory.set(t.category, (byCategory.get(t.category) ?? 0) + 1);
    for (const s of t.sources) bySource.set(s, (bySource.get(s) ?? 0) + 1);
  }
  const fmt = (m: Map<string, number>): string =>
    [...m]
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const totalDropped = [...dropped.values()].reduce((a, b) => a + b, 0);
  process.stderr.write(
    `catalog: ${catalog.tools.length} tools -> ${opts.out}\n` +
      `  read: ${counts.lolrmmFiles} LOLRMM files, ${counts.rmmlFiles} RMML files, ${counts.jschellRows} jschell rows, ${counts.extras} extras, ${counts.winget} winget packages\n` +
      `  by category: ${fmt(byCategory)}\n  by source: ${fmt(bySource)}\n  upstream values left out: ${totalDropped}\n`,
  );
  if (opts.verbose) for (const [k, v] of [...dropped].sort()) process.stderr.write(`    ${k}: ${v}\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`import-catalog: ${(e as Error).message}\n`);
  process.exit(1);
}
