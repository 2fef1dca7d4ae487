import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { inject } from 'postject';
import type { Target } from './config.ts';

// Names Node's SEA loader looks for (doc/api/single-executable-applications.md).
export const SEA_RESOURCE = 'NODE_SEA_BLOB';
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const MACHO_SEGMENT = 'NODE_SEA';

/** The names of the agent's bundles among the SEA assets; the blob's main script is only the loader below. */
export const APP_ASSET = 'ratwatch.cjs';
/** The resident daemon alone (agent/daemon/entry.ts): scheduler, lock and a child process per cycle. */
export const DAEMON_ASSET = 'ratwatch-daemon.cjs';

/** The parameters a bundle is compiled with: a CommonJS module body. The code cache must be made with the same. */
export const BUNDLE_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname'];

/** The SEA asset that holds the V8 code cache of bundle asset `name` (scripts/package/code-cache.ts). */
export function codeCacheAsset(name: string): string {
  return `${name}.v8-cache`;
}

/**
 * The SEA's main script. `--version` is what MDM inventory checks run on every laptop: it answers without
 * V8 parsing the agent bundle. `daemon` runs the small daemon bundle, which keeps the full one within
 * reach (globalThis.ratwatchFullCli) for help and arguments it does not read. Anything else compiles the
 * full bundle. A bundle is compiled from its SEA asset, read as latin1 (bundles are ASCII,
 * scripts/package/bundle.ts) without copying the asset first, as a CommonJS module body with this
 * script's require (built-ins only, all a bundle needs) and the executable as its __filename, as if it
 * were the main script itself. The bundles named in `cached` come with a V8 code cache (an asset of
 * their own, codeCacheAsset): V8 then deserializes the bundle's top-level code instead of parsing 2 MiB
 * of source, and compiles from source as before should it ever refuse the cache (another V8, other flags).
 */
export function seaLoader(version: string, cached: string[] = []): string {
  return `'use strict';
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(${JSON.stringify(`${version}
`)});
} else {
  const cached = ${JSON.stringify(Object.fromEntries(cached.map((name) => [name, codeCacheAsset(name)])))};
  const run = (name) => {
    const sea = require('node:sea');
    const code = Buffer.from(sea.getRawAsset(name)).toString('latin1');
    const cachedData = cached[name] === undefined ? undefined : Buffer.from(sea.getRawAsset(cached[name]));
    const body = require('node:vm').compileFunction(code, ${JSON.stringify(BUNDLE_PARAMS)}, { filename: name, cachedData });
    body.call(module.exports, module.exports, require, module, __filename, __dirname);
  };
  if (args[0] === 'daemon') {
    globalThis.ratwatchFullCli = () => run(${JSON.stringify(APP_ASSET)});
    run(${JSON.stringify(DAEMON_ASSET)});
  } else {
    run(${JSON.stringify(APP_ASSET)});
  }
}
`;
}

/**
 * V8 flags the executable always starts with. A 1 MiB young generation (the default grows to 16-32 MiB)
 * keeps a scan's peak RSS ~10 MiB lower for no measurable CPU: a scan's garbage is short-lived, and
 * scavenging a small space often costs what scavenging a big one rarely does (scripts/bench.ts).
 * No optimizing compilers (TurboFan, Maglev): a scan is a second of mostly I/O and a daemon waits, so
 * code rarely gets hot enough to repay them, and compiling on their threads put 8-15 MiB (compiler code
 * pages, zones, thread arenas) on a scan's peak RSS; without them the peak is ~13 MiB lower and steady,
 * and CPU no higher, with 2,000 extra processes too (Ignition and Sparkplug still run everything).
 * Both are in V8's flags hash, so V8 refuses the code cache Node embeds for its own modules (made under
 * default flags) and compiles the built-ins a scan loads from source, ~20 ms; a scan with the optimizers
 * on still runs ~9% more instructions (callgrind). The semi-space size is not in the hash. Every flag
 * here is also one the bundles' code cache is made with (code-cache.ts).
 */
export const SEA_EXEC_ARGV = ['--max-semi-space-size=1', '--no-opt', '--no-maglev'];

export interface BlobOptions {
  generator: string; // node binary of the same version as the target's
  main: string;
  blob: string;
  configFile: string;
  assets: Record<string, string>;
}

export function writeBlob(o: BlobOptions): void {
  const config = {
    main: o.main,
    output: o.blob,
    disableExperimentalSEAWarning: true,
    // No snapshot, and no SEA code cache: the main script is only the small loader, and it would be
    // made without the flags that make V8's output reproducible. The bundles' own caches are assets,
    // made reproducibly for the build machine's target only (scripts/package/code-cache.ts).
    useSnapshot: false,
    useCodeCache: false,
    execArgv: SEA_EXEC_ARGV,
    assets: o.assets,
  };
  writeFileSync(o.configFile, JSON.stringify(config, null, 2));
  try {
    execFileSync(o.generator, ['--experimental-sea-config', o.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = String((e as { stderr?: Buffer }).stderr ?? e).trim();
    throw new Error(`${o.generator} --experimental-sea-config failed: ${err.split('\n').slice(-3).join(' ')}`);
  }
}

/** Copies the stock node binary, injects the blob and checks the result, writing target.output only when all went well. */
export async function injectBlob(target: Target, baseNode: string, blobFile: string): Promise<void> {
  const partial = `${target.output}.partial`;
  rmSync(partial, { force: true });
  copyFileSync(baseNode, partial);
  chmodSync(partial, 0o755);
  const blob = readFileSync(blobFile);
  await inject(partial, SEA_RESOURCE, blob, {
    sentinelFuse: SEA_FUSE,
    ...(target.os === 'darwin' ? { machoSegmentName: MACHO_SEGMENT } : {}),
  });
  verifyInjected(partial, blob);
  renameSync(partial, target.output);
}

/**
 * What can be checked without running a foreign executable: postject flipped the fuse to ":1" (Node only
 * looks for a blob then) and the blob's bytes are in the file as written.
 */
export function verifyInjected(file: string, blob: Buffer): void {
  const exe = readFileSync(file);
  const fuse = exe.indexOf(`${SEA_FUSE}:`);
  if (fuse < 0) throw new Error(`${file}: SEA fuse not found`);
  if (exe[fuse + SEA_FUSE.length + 1] !== 0x31) throw new Error(`${file}: SEA fuse not set after injection`);
  if (exe.indexOf(blob) < 0) throw new Error(`${file}: injected blob not found in the executable`);
}
