import type { PackageInfo } from '../../model.ts';
import type { Runner } from '../../runner.ts';
import { dictString, type PlistDict } from '../common/plist.ts';
import type { Collector } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { mapLimit } from '../common/pool.ts';
import { listDir, readPlistDict, userHomes } from './bundles.ts';

// Application bundles: every *.app in the usual application folders, plus the two places remote
// tools hide theirs outside them (Chrome Remote Desktop's host in /Library/PrivilegedHelperTools,
// ScreenConnect's client in /opt). Each bundle's Contents/Info.plist gives name, version, bundle id
// and executable; a bundle whose Info.plist is unreadable is still reported by its folder name.

const ROOTS = [
  '/Applications',
  '/Applications/Utilities',
  '/System/Applications',
  '/System/Applications/Utilities',
  '/Library/PrivilegedHelperTools',
  '/opt',
];
/** Vendor folders inside /Applications ("/Applications/Microsoft Office/...") are searched this deep. */
const MAX_DEPTH = 2;
const MAX_DIRS = 400;
const MAX_APPS = 3000;

async function findBundles(
  runner: Runner,
  roots: { dir: string; depth: number }[],
  onError: (d: string, e: unknown) => void,
): Promise<string[]> {
  const found = new Set<string>();
  const queue = [...roots];
  const seenDirs = new Set<string>();
  while (queue.length && seenDirs.size < MAX_DIRS && found.size < MAX_APPS) {
    const { dir, depth } = queue.shift()!;
    if (seenDirs.has(dir)) continue;
    seenDirs.add(dir);
    const ents = await listDir(runner, dir, onError);
    for (const e of ents ?? []) {
      if (!(e.isDir || e.isLink) || e.name.startsWith('.')) continue;
      const path = `${dir}/${e.name}`;
      if (e.name.endsWith('.app')) {
        if (found.size < MAX_APPS) found.add(path);
      } else if (depth < MAX_DEPTH && e.isDir) {
        queue.push({ dir: path, depth: depth + 1 });
      }
    }
  }
  return [...found];
}

export async function readBundle(runner: Runner, app: string): Promise<PackageInfo> {
  const folderName = app.slice(app.lastIndexOf('/') + 1).replace(/\.app$/, '');
  const pkg: PackageInfo = { name: clean(folderName, 256), source: 'app', path: clean(app) };
  let info: PlistDict;
  try {
    info = await readPlistDict(runner, `${app}/Contents/Info.plist`);
  } catch {
    return pkg;
  }
  const name = cleanOpt(dictString(info, 'CFBundleDisplayName') ?? dictString(info, 'CFBundleName'), 256);
  if (name) pkg.name = name;
  const version = cleanOpt(dictString(info, 'CFBundleShortVersionString') ?? dictString(info, 'CFBundleVersion'), 128);
  if (version) pkg.version = version;
  const bundleId = cleanOpt(dictString(info, 'CFBundleIdentifier'), 256);
  if (bundleId) pkg.bundleId = bundleId;
  const exec = cleanOpt(dictString(info, 'CFBundleExecutable'), 256);
  if (exec) pkg.exec = exec;
  return pkg;
}

export const appsCollector: Collector = {
  name: 'darwin.apps',
  async collect(ctx) {
    const errors: string[] = [];
    const onError = (d: string, e: unknown) => errors.push(`${d}: ${(e as Error).message}`);
    const homes = await userHomes(ctx.runner);
    const roots = [
      ...ROOTS.map((dir) => ({ dir, depth: dir === '/Applications' ? 0 : MAX_DEPTH })),
      ...homes.map((h) => ({ dir: `${h}/Applications`, depth: 0 })),
    ];
    const bundles = await findBundles(ctx.runner, roots, onError);
    if (!bundles.length && errors.length) throw new Error(`no application folder could be read: ${errors[0]}`);
    const packages = await mapLimit(bundles, 8, (app) => readBundle(ctx.runner, app));
    return { packages: packages.filter((p): p is PackageInfo => !!p) };
  },
};
