import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Operating system names as the npm packages node-<os>-<arch> spell them. */
export type NodeOs = 'linux' | 'darwin' | 'win';
export type NodeArch = 'x64' | 'arm64';

export interface Target {
  /** pkg's spelling, e.g. "node24-macos-x64" (what pkg.config.json lists). */
  pkgName: string;
  /** "<os>-<arch>" as our file names and the npm packages spell it, e.g. "darwin-x64". */
  id: string;
  os: NodeOs;
  arch: NodeArch;
  nodeMajor: number;
  /** Exact Node version embedded. */
  nodeVersion: string;
  /** Absolute path of the executable this target builds. */
  output: string;
}

export interface PackageConfig {
  root: string;
  entry: string;
  name: string;
  outDir: string;
  cacheDir: string;
  /** Files embedded as SEA assets, keyed by their path relative to the repository (read with node:sea getAsset). */
  assets: Record<string, string>;
  targets: Target[];
}

// pkg names platforms "macos" and "win"; the npm node packages say "darwin" and "win".
const PLATFORMS: Record<string, NodeOs> = { linux: 'linux', macos: 'darwin', darwin: 'darwin', win: 'win', windows: 'win' };
const ARCHES: Record<string, NodeArch> = { x64: 'x64', arm64: 'arm64' };

function fail(msg: string): never {
  throw new Error(`pkg.config.json: ${msg}`);
}

export function parseTarget(pkgName: string, pinned: string, outDir: string, name: string): Target {
  const m = /^node(\d+)-([a-z]+)-([a-z0-9]+)$/.exec(pkgName);
  if (!m) fail(`target "${pkgName}" is not node<major>-<platform>-<arch>`);
  const [, major, platform, arch] = m;
  const os = PLATFORMS[platform];
  const a = ARCHES[arch];
  if (!os) fail(`target "${pkgName}": unknown platform ${platform}`);
  if (!a) fail(`target "${pkgName}": unknown arch ${arch}`);
  if (!/^\d+\.\d+\.\d+$/.test(pinned)) fail(`target "${pkgName}": node version "${pinned}" is not x.y.z`);
  if (pinned.split('.')[0] !== major) fail(`target "${pkgName}" pins node ${pinned}, not a ${major}.x release`);
  const id = `${os}-${a}`;
  return {
    pkgName,
    id,
    os,
    arch: a,
    nodeMajor: Number(major),
    nodeVersion: pinned,
    output: path.join(outDir, `${name}-${id}${os === 'win' ? '.exe' : ''}`),
  };
}

// pkg.config.json as written: every field is checked before use
interface RawPkg {
  targets?: unknown;
  outputPath?: string;
  assets?: unknown;
}
interface RawSea {
  entry?: unknown;
  name?: unknown;
  node?: unknown;
  nodeByTarget?: Record<string, string>;
  cacheDir?: string;
}

export function loadPackageConfig(root: string, file = path.join(root, 'pkg.config.json')): PackageConfig {
  let raw: { pkg?: RawPkg; sea?: RawSea } | undefined;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`cannot read ${file}: ${(e as Error).message}`);
  }
  const pkg = raw?.pkg;
  const sea = raw?.sea;
  if (!Array.isArray(pkg?.targets) || pkg.targets.length === 0) fail('pkg.targets must be a non-empty list');
  if (typeof sea?.entry !== 'string' || typeof sea?.name !== 'string' || typeof sea?.node !== 'string') {
    fail('sea.entry, sea.name and sea.node are required');
  }
  const outDir = path.resolve(root, pkg.outputPath ?? 'dist');
  const byTarget: Record<string, string> = sea.nodeByTarget ?? {};
  for (const k of Object.keys(byTarget)) if (!pkg.targets.includes(k)) fail(`sea.nodeByTarget names ${k}, which is not in pkg.targets`);
  const { node, name } = sea; // strings, as checked above
  const targets = (pkg.targets as string[]).map((t) => parseTarget(t, byTarget[t] ?? node, outDir, name));
  const ids = new Set(targets.map((t) => t.id));
  if (ids.size !== targets.length) fail('two targets build the same <os>-<arch>');
  const assets: Record<string, string> = {};
  for (const a of (pkg.assets ?? []) as unknown[]) {
    if (typeof a !== 'string' || /[*?{}[\]]/.test(a))
      fail(`asset ${String(a)} must be a plain relative file path (globs are not supported)`);
    assets[a.split(path.sep).join('/')] = path.resolve(root, a);
  }
  return {
    root,
    entry: path.resolve(root, sea.entry),
    name: sea.name,
    outDir,
    cacheDir: path.resolve(root, sea.cacheDir ?? path.join(pkg.outputPath ?? 'dist', '.cache')),
    assets,
    targets,
  };
}

/** The target that runs on this machine, if the config builds one. */
export function hostTarget(cfg: PackageConfig): Target | undefined {
  return cfg.targets.find((t) => t.id === hostId());
}

export function hostId(): string {
  const os = process.platform === 'win32' ? 'win' : process.platform;
  return `${os}-${process.arch}`;
}
