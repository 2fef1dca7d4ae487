import { execFileSync } from 'node:child_process';
import { BUNDLE_PARAMS, SEA_EXEC_ARGV, SEA_RUNTIME_V8_FLAGS } from './sea.ts';

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

// Compiles the bundle exactly as the SEA loader does (scripts/package/sea.ts seaLoader), under the same
// flags set the same way, and writes what V8 serialized: the top-level code and the functions V8 compiles
// eagerly.
const MAKE_CACHE = `
const [bundle, out] = process.argv.slice(1);
require('node:v8').setFlagsFromString(${JSON.stringify(SEA_RUNTIME_V8_FLAGS)});
const fs = require('node:fs');
const code = fs.readFileSync(bundle).toString('latin1');
const fn = require('node:vm').compileFunction(code, ${JSON.stringify(BUNDLE_PARAMS)}, { filename: 'bundle.cjs', produceCachedData: true });
if (!fn.cachedDataProduced) throw new Error('V8 produced no code cache');
fs.writeFileSync(out, fn.cachedData);
`;

/**
 * Writes the V8 code cache of `bundle` to `out`, made by `generator`: a Node of exactly the target's
 * version for the platform it runs on. A cache is bound to the V8 that made it and is only used for the
 * target of the build machine itself, where the build runs that very Node (Node's docs: code caches are
 * not portable across platforms).
 */
export function writeCodeCache(generator: string, bundle: string, out: string): void {
  try {
    execFileSync(generator, [...SEA_EXEC_ARGV, ...CODE_CACHE_FLAGS, '-e', MAKE_CACHE, bundle, out], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
  } catch (e) {
    const err = String((e as { stderr?: Buffer }).stderr ?? e).trim();
    throw new Error(`${generator} could not make the code cache of ${bundle}: ${err.split('\n').slice(-3).join(' ')}`);
  }
}
