// Builds the single-file ratwatch executables listed in pkg.config.json with Node's single executable
// application (SEA) support: esbuild bundle -> SEA blob -> postject into an official Node 24 binary.
// Usage: tsx scripts/package.ts [--target linux-x64[,win-x64...]] [--config file]   (default: every target)
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../agent/version.ts';
import { bundle } from './package/bundle.ts';
import { writeChecksums } from './package/checksums.ts';
import { hostId, loadPackageConfig, type PackageConfig, type Target } from './package/config.ts';
import { generatorNode, nodeBinary } from './package/node-binaries.ts';
import { APP_WARM_ARGS, writeCodeCache } from './package/code-cache.ts';
import { APP_ASSET, codeCacheAsset, DAEMON_ASSET, injectBlob, seaLoader, writeBlob } from './package/sea.ts';
import { isStale } from './package/stale.ts';
import { strippedNode } from './package/strip.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The resident daemon's own bundle (see seaLoader). */
const DAEMON_ENTRY = 'agent/daemon/entry.ts';

export function selectTargets(cfg: PackageConfig, wanted: string[]): Target[] {
  if (wanted.length === 0) return cfg.targets;
  return wanted.map((w) => {
    const t = cfg.targets.find((x) => x.id === w || x.pkgName === w);
    if (!t) throw new Error(`unknown target ${w}; pkg.config.json has ${cfg.targets.map((x) => x.id).join(', ')}`);
    return t;
  });
}

const USAGE = 'usage: package.ts [--target linux-x64,win-x64,...] [--config pkg.config.json]';

function parseArgs(argv: string[]): { wanted: string[]; config?: string | undefined } {
  const wanted: string[] = [];
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--target' || a === '-t') wanted.push(...(argv[++i] ?? '').split(',').filter(Boolean));
    else if (a === '--config') config = argv[++i];
    else throw new Error(`unknown argument ${a} (${USAGE})`);
  }
  return { wanted, config };
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Runs a freshly built executable that can run here and checks it reports our version. */
function checkRuns(exe: string): string {
  const out = execFileSync(exe, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
  if (!out.includes(VERSION)) throw new Error(`${exe} --version printed "${out}", expected ${VERSION}`);
  return out;
}

export async function packageTargets(cfg: PackageConfig, targets: Target[]): Promise<void> {
  const buildDir = path.join(cfg.outDir, '.build');
  mkdirSync(buildDir, { recursive: true });
  const majors = [...new Set(targets.map((t) => t.nodeMajor))];
  const bundles = new Map<number, { app: string; daemon: string }>();
  for (const major of majors) {
    const one = async (entry: string, file: string) => {
      const t0 = Date.now();
      const b = await bundle(entry, file, major);
      for (const w of b.warnings) console.warn(`esbuild warning: ${w}`);
      console.log(`bundle ${path.relative(cfg.root, file)}: ${mib(b.bytes)} from ${b.inputs} files in ${Date.now() - t0} ms`);
      return file;
    };
    bundles.set(major, {
      app: await one(cfg.entry, path.join(buildDir, `${cfg.name}-node${major}.cjs`)),
      daemon: await one(path.join(cfg.root, DAEMON_ENTRY), path.join(buildDir, `${cfg.name}-daemon-node${major}.cjs`)),
    });
  }
  for (const t of targets) {
    const t0 = Date.now();
    const stock = nodeBinary(cfg.cacheDir, t.id, t.nodeVersion);
    const { path: base, note } = strippedNode(stock, t.os);
    if (note) console.warn(`${t.id}: ${note}`);
    const gen = generatorNode(cfg.cacheDir, t.nodeVersion);
    const native = t.id === hostId();
    const blob = path.join(buildDir, `${t.id}.blob`);
    const loader = path.join(buildDir, `${cfg.name}-loader-${t.id}.cjs`);
    const bundleAssets = { [APP_ASSET]: bundles.get(t.nodeMajor)!.app, [DAEMON_ASSET]: bundles.get(t.nodeMajor)!.daemon };
    // code caches for the build machine's own target only: gen is the very Node it embeds (code-cache.ts)
    const caches: Record<string, string> = {};
    if (native) {
      for (const [name, file] of Object.entries(bundleAssets)) {
        caches[codeCacheAsset(name)] = `${file}.v8-cache`;
        writeCodeCache(gen, file, caches[codeCacheAsset(name)], name === APP_ASSET ? APP_WARM_ARGS : undefined);
      }
    }
    writeFileSync(loader, seaLoader(VERSION, native ? Object.keys(bundleAssets) : []));
    writeBlob({
      generator: gen,
      main: loader,
      blob,
      configFile: path.join(buildDir, `sea-config-${t.id}.json`),
      assets: { ...cfg.assets, ...bundleAssets, ...caches },
    });
    await injectBlob(t, base, blob);
    const ran = native ? `, runs: --version -> ${checkRuns(t.output)}` : ', not runnable on this machine';
    console.log(`built ${path.relative(cfg.root, t.output)} (node ${t.nodeVersion}) in ${Date.now() - t0} ms${ran}`);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cfg = loadPackageConfig(ROOT, args.config ? path.resolve(args.config) : undefined);
  const targets = selectTargets(cfg, args.wanted);
  const t0 = Date.now();
  await packageTargets(cfg, targets);
  const artifacts = await writeChecksums(
    cfg.outDir,
    cfg.targets.map((t) => t.output),
  );
  console.log(`\n${'file'.padEnd(28)} ${'size'.padStart(10)}  sha256`);
  for (const a of artifacts) {
    // a partial build (--target) leaves the other executables as they were; say so before they ship
    const note = isStale(a.file, cfg.root) ? '  (STALE: older than the sources; rebuild it)' : '';
    console.log(`${path.basename(a.file).padEnd(28)} ${mib(a.bytes).padStart(10)}  ${a.sha256}${note}`);
  }
  console.log(`\nwrote ${path.relative(ROOT, path.join(cfg.outDir, 'SHA256SUMS'))} in ${((Date.now() - t0) / 1000).toFixed(1)} s total`);
  console.log('mac and Windows executables carry a broken vendor signature until codesign/signtool re-sign them (docs/deploy.md).');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`package: ${(e as Error).message}`);
    process.exit(1);
  });
}
