import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { BUNDLE_HEAD, BUNDLE_TAIL, SEA_EXEC_ARGV, SEA_RUNTIME_V8_FLAGS } from './sea.ts';

/**
 * V8 flags the code cache is made with on top of the executable's own. V8 writes different bytes on
 * every run without them (hash seeds and the order of concurrent work vary), which would end reproducible
 * SHA256SUMS. V8 leaves exactly these two out of the flags hash it stamps into a cache ("to allow
 * predictable code caching", deps/v8/src/flags/flags.cc ComputeFlagListHash), together with the heap
 * sizes and the GC and compiler threading flags --predictable implies, so the executable, which starts
 * without them, still accepts the cache. Any other flag that differs between here and SEA_EXEC_ARGV, or
 * SEA_RUNTIME_V8_FLAGS set otherwise than the SEA loader sets them (at run time, in one call, before the
 * bundle is compiled), makes V8 refuse the cache silently ("flags mismatch");
 * test/e2e/scripts/package-smoke.test.ts checks that it loads.
 */
export const CODE_CACHE_FLAGS = ['--predictable', '--random-seed=20240521'];

/**
 * The command the full bundle runs once while its cache is made: `--help` initialises every module a
 * start initialises (the CLI, the catalog, the engine and collector modules, the config fields) and no
 * more, reads no file and starts nothing, and prints the same text on every machine.
 */
export const APP_WARM_ARGS = ['--help'];

// Compiles the bundle exactly as the SEA loader does (scripts/package/sea.ts seaLoader), under the same
// flags set the same way, and writes what V8 serialized: the top-level code and the functions V8 compiles
// eagerly, and with warm-up arguments, after the bundle ran with them (its output discarded), every
// function compiled meanwhile too. Module initialisers are functions V8 compiles lazily, at their first
// call: without the warm-up each start parsed and compiled all of them from source again.
const MAKE_CACHE = `
const [bundle, out, warm] = process.argv.slice(1);
require('node:v8').setFlagsFromString(${JSON.stringify(SEA_RUNTIME_V8_FLAGS)});
const fs = require('node:fs');
const code = ${JSON.stringify(BUNDLE_HEAD)} + fs.readFileSync(bundle).toString('latin1') + ${JSON.stringify(BUNDLE_TAIL)};
const script = new (require('node:vm').Script)(code, { filename: 'bundle.cjs' });
const body = script.runInThisContext();
const save = () => fs.writeFileSync(out, script.createCachedData());
if (warm) {
  process.argv = [process.execPath, 'ratwatch', ...JSON.parse(warm)];
  const mod = { exports: {} };
  process.once('beforeExit', save);
  body.call(mod.exports, mod.exports, require, mod, process.execPath, require('node:path').dirname(process.execPath));
} else {
  save();
}
`;

/**
 * Writes the V8 code cache of `bundle` to `out`, made by `generator`: a Node of exactly the target's
 * version for the platform it runs on. A cache is bound to the V8 that made it and is only used for the
 * target of the build machine itself, where the build runs that very Node (Node's docs: code caches are
 * not portable across platforms).
 */
export function writeCodeCache(generator: string, bundle: string, out: string, warmArgs?: string[]): void {
  rmSync(out, { force: true });
  try {
    const args = [...SEA_EXEC_ARGV, ...CODE_CACHE_FLAGS, '-e', MAKE_CACHE, bundle, out, ...(warmArgs ? [JSON.stringify(warmArgs)] : [])];
    // no environment: the warm-up runs the same code on every build machine
    execFileSync(generator, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, env: {} });
    if (!existsSync(out)) throw new Error(`the bundle ended before its code cache was written (ran with ${warmArgs?.join(' ')})`);
  } catch (e) {
    const err = String((e as { stderr?: Buffer }).stderr ?? e).trim();
    throw new Error(`${generator} could not make the code cache of ${bundle}: ${err.split('\n').slice(-3).join(' ')}`);
  }
}
