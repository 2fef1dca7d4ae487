import { build, type Message, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// A SEA runs one CommonJS script whose require() only loads builtins, so the agent and every dependency
// go into one CJS file. ESM dependencies read import.meta.url at load time (ps-list and node-cron call
// fileURLToPath(import.meta.url) at top level), which esbuild leaves empty in CJS output; the define
// below points it at the running file instead, which inside a SEA is the executable itself.
const IMPORT_META_SHIM = 'const __rw_meta_url = require("node:url").pathToFileURL(__filename).href; const __rw_meta_dirname = __dirname;';

// The built-in catalog (~420 KB) as a string for JSON.parse rather than a JavaScript object literal: V8
// parses JSON several times faster than the same data as code, and only when the catalog is first used.
const CATALOG_JSON = /[\\/]shared[\\/]catalog[\\/]catalog\.json$/;
const catalogAsJsonText: Plugin = {
  name: 'catalog-json-text',
  setup(b) {
    b.onLoad({ filter: CATALOG_JSON }, async (args) => {
      const text = JSON.stringify(JSON.parse(await readFile(args.path, 'utf8')));
      return { contents: `export default JSON.parse(${JSON.stringify(text)});`, loader: 'js' };
    });
  },
};

// axios imports form-data at load time for multipart bodies, which ratwatch never sends (its reports are
// gzip bytes); form-data brings mime-db's 200 KB table, three quarters of axios's load cost (~45 of ~57 ms
// and ~12 of ~18 MiB under Node 20). The agent's bundle gets a stand-in that fails loudly if it is ever used.
const FORM_DATA = /^form-data$/;
const noFormData: Plugin = {
  name: 'no-form-data',
  setup(b) {
    b.onResolve({ filter: FORM_DATA }, () => ({ path: 'form-data', namespace: 'rw-no-form-data' }));
    b.onLoad({ filter: /.*/, namespace: 'rw-no-form-data' }, () => ({
      contents: 'module.exports = class FormData { constructor() { throw new Error("multipart bodies are not bundled in ratwatch"); } };',
      loader: 'js',
    }));
  },
};

/**
 * The bundle in ASCII, so the loader can read the asset as latin1: a plain copy into a one-byte string,
 * where UTF-8 decoding costs more and makes a two-byte string of twice the size. esbuild's charset
 * 'ascii' escapes strings but leaves regular expression literals and comments as written; a \\uXXXX
 * escape means the same character in a regular expression (a surrogate pair is one code point under the
 * u flag), an identifier or a string, and nothing in a comment.
 */
export function asciiOnly(code: string): string {
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface BundleResult {
  file: string;
  bytes: number;
  warnings: string[];
  inputs: number;
}

function describe(m: Message): string {
  const where = m.location ? `${m.location.file}:${m.location.line}: ` : '';
  return `${where}${m.text}`;
}

export async function bundle(entry: string, outFile: string, nodeMajor: number): Promise<BundleResult> {
  mkdirSync(path.dirname(outFile), { recursive: true });
  const result = await build({
    entryPoints: [entry],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    target: `node${nodeMajor}`,
    format: 'cjs',
    // unminified so stack traces from the field stay readable; the bundle is ~2% of the executable
    minify: false,
    charset: 'ascii',
    metafile: true,
    logLevel: 'silent',
    plugins: [catalogAsJsonText, noFormData],
    banner: { js: IMPORT_META_SHIM },
    define: {
      'import.meta.url': '__rw_meta_url',
      'import.meta.filename': '__filename',
      'import.meta.dirname': '__rw_meta_dirname',
    },
  }).catch((e: { errors?: Message[] }) => {
    // top-level await is the usual cause: a CJS bundle cannot hold it, so the entry must not use it
    const errs = e.errors?.map(describe).join('\n  ') ?? String(e);
    throw new Error(`esbuild could not bundle ${entry}:\n  ${errs}`);
  });
  const warnings = result.warnings.map(describe);
  const emptyMeta = result.warnings.filter((w) => w.id === 'empty-import-meta');
  if (emptyMeta.length > 0) {
    throw new Error(`import.meta uses the bundle cannot support:\n  ${emptyMeta.map(describe).join('\n  ')}`);
  }
  // esbuild keeps the entry's hashbang line; a bundle is never run as a file, and the SEA loader compiles it
  // inside a function head (scripts/package/sea.ts BUNDLE_HEAD), where a hashbang is a syntax error
  writeFileSync(outFile, asciiOnly(readFileSync(outFile, 'utf8').replace(/^#!.*\n/, '')));
  return {
    file: outFile,
    bytes: statSync(outFile).size,
    warnings,
    inputs: Object.keys(result.metafile!.inputs).length,
  };
}
