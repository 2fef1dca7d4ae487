import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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
/**
 * What the SEA loader puts around a bundle's source to compile it as a script whose value is the module
 * body, a function of BUNDLE_PARAMS: a vm.Script, unlike vm.compileFunction, can write its code cache
 * after it ran, with the functions compiled meanwhile (code-cache.ts). The cache is made of exactly this text.
 */
export const BUNDLE_HEAD = `(function (${BUNDLE_PARAMS.join(', ')}) {`;
export const BUNDLE_TAIL = '\n})';

/** The SEA asset that holds the V8 code cache of bundle asset `name` (scripts/package/code-cache.ts). */
export function codeCacheAsset(name: string): string {
  return `${name}.v8-cache`;
}

/**
 * V8 flags the executable sets once it runs (seaLoader), not at start: no optimizing compilers (TurboFan,
 * Maglev). A scan is a second of mostly I/O and a daemon waits, so code rarely gets hot enough to repay
 * them, and compiling on their threads put 8-15 MiB (compiler code pages, zones, thread arenas) on a
 * scan's peak RSS; without them the peak is ~13 MiB lower and steady, and a scan runs ~9% fewer
 * instructions (callgrind; Ignition and Sparkplug still run everything). Both are in the flags hash V8
 * stamps into a code cache and checks before it uses one: given at start, they made V8 refuse the code
 * cache Node embeds for its own modules, and every built-in a scan loads (crypto, child_process, net,
 * streams) was compiled from source. Set after those are loaded, under the flags Node's cache was made
 * with, they leave what is already compiled alone and still keep the optimizers off for the whole run.
 * The bundles' own code cache is made after the same call (code-cache.ts): V8 hashes flags set at run
 * time differently from the same flags given at start.
 */
export const SEA_RUNTIME_V8_FLAGS = '--no-opt --no-maglev';

/**
 * The built-ins the bundles load on their way, loaded by seaLoader before SEA_RUNTIME_V8_FLAGS so they
 * come from Node's code cache: crypto (scan ids, fingerprints), child_process (and net, dgram, streams:
 * the collectors' helper programs), os. process.stdout is touched too: every entry point listens on it
 * first (agent/process-setup.ts), and creating it loads the stream of whatever it is (file, pipe,
 * terminal). A built-in missing here still loads, compiled from source; one listed and not used costs
 * its load.
 */
export const PRELOAD_BUILTINS = ['node:crypto', 'node:child_process', 'node:os'];
/** What a run that delivers reports loads besides (axios: HTTP, TLS, gzip). */
export const PRELOAD_DELIVERY_BUILTINS = ['node:http', 'node:https', 'node:zlib'];
/** The commands that deliver: flush, enroll and the daemon's cycle child (agent/daemon/child-cycle.ts), and scan --report. */
const DELIVERING_COMMANDS = ['flush', 'enroll', '__cycle'];

/**
 * The SEA's main script. `--version` is what MDM inventory checks run on every laptop: it answers without
 * V8 parsing the agent bundle, with one write(2) rather than through process.stdout, whose stream
 * modules cost more than the rest of the answer. `daemon` runs the small daemon bundle, which keeps the
 * full one within reach (globalThis.ratwatchFullCli) for help and arguments it does not read. Anything
 * else compiles the full bundle. Before a bundle, the built-ins it needs are loaded, then
 * SEA_RUNTIME_V8_FLAGS set (see there). A bundle is compiled from its SEA asset, read as latin1 (bundles
 * are ASCII, scripts/package/bundle.ts) without copying the asset first, between BUNDLE_HEAD and
 * BUNDLE_TAIL, and called as a CommonJS module body with this script's require (built-ins only, all a
 * bundle needs) and the executable as its __filename, as if it were the main script itself. The bundles
 * named in `cached` come with a V8 code cache (an asset of their own, codeCacheAsset): V8 then
 * deserializes the bundle's top-level code and, for the full bundle, its module initialisers instead of
 * parsing 2 MiB of source and compiling them, and compiles from source as before should it ever refuse
 * the cache (another V8, other flags).
 */
export function seaLoader(version: string, cached: string[] = []): string {
  return `'use strict';
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const text = ${JSON.stringify(`${version}\n`)};
  try {
    require('node:fs').writeSync(1, text);
  } catch (e) {
    // EPIPE: nobody reads the answer; EAGAIN: a full non-blocking pipe, which the stream waits out
    if (e.code === 'EAGAIN') process.stdout.write(text);
    else if (e.code !== 'EPIPE') throw e;
  }
} else {
  const cached = ${JSON.stringify(Object.fromEntries(cached.map((name) => [name, codeCacheAsset(name)])))};
  const sea = require('node:sea');
  const vm = require('node:vm');
  for (const name of ${JSON.stringify(PRELOAD_BUILTINS)}) require(name);
  if (args.includes('--report') || ${JSON.stringify(DELIVERING_COMMANDS)}.includes(args[0])) {
    for (const name of ${JSON.stringify(PRELOAD_DELIVERY_BUILTINS)}) require(name);
  }
  void process.stdout;
  require('node:v8').setFlagsFromString(${JSON.stringify(SEA_RUNTIME_V8_FLAGS)});
  const run = (name) => {
    const code = ${JSON.stringify(BUNDLE_HEAD)} + Buffer.from(sea.getRawAsset(name)).toString('latin1') + ${JSON.stringify(BUNDLE_TAIL)};
    const cachedData = cached[name] === undefined ? undefined : Buffer.from(sea.getRawAsset(cached[name]));
    const body = new vm.Script(code, { filename: name, cachedData }).runInThisContext();
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
 * V8 flags the executable starts with. A 1 MiB young generation (the default grows to 16-32 MiB) keeps a
 * scan's peak RSS ~10 MiB lower for no measurable CPU: a scan's garbage is short-lived, and scavenging a
 * small space often costs what scavenging a big one rarely does (scripts/bench.ts). The semi-space size
 * is not in V8's flags hash, so Node's code cache for its built-ins stays valid. Every flag here is also
 * one the bundles' code cache is made with (code-cache.ts).
 */
export const SEA_EXEC_ARGV = ['--max-semi-space-size=1'];

export interface BlobOptions {
  generator: string; // node binary of the same version as the target's
  main: string;
  blob: string;
  configFile: string;
  assets: Record<string, string>;
}

export function writeBlob(o: BlobOptions): void {
  // Paths relative to the build folder, where the generator runs: the blob keeps the main script's path as
  // given, and an absolute one would make the executable differ with the checkout's folder
  const dir = path.dirname(o.configFile);
  const rel = (p: string) => path.relative(dir, p);
  const config = {
    main: rel(o.main),
    output: rel(o.blob),
    disableExperimentalSEAWarning: true,
    // No snapshot, and no SEA code cache: the main script is only the small loader, and it would be
    // made without the flags that make V8's output reproducible. The bundles' own caches are assets,
    // made reproducibly for the build machine's target only (scripts/package/code-cache.ts).
    useSnapshot: false,
    useCodeCache: false,
    execArgv: SEA_EXEC_ARGV,
    assets: Object.fromEntries(Object.entries(o.assets).map(([k, v]) => [k, rel(v)])),
  };
  writeFileSync(o.configFile, JSON.stringify(config, null, 2));
  try {
    execFileSync(o.generator, ['--experimental-sea-config', path.basename(o.configFile)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = String((e as { stderr?: Buffer }).stderr ?? e).trim();
    throw new Error(`${o.generator} --experimental-sea-config failed: ${err.split('\n').slice(-3).join(' ')}`);
  }
  if (readFileSync(o.blob).includes(path.resolve(dir)))
    throw new Error(`${o.blob} names the build folder ${dir}: the executable would differ from a build in another folder`);
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
