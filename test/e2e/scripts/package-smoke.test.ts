// The packaged linux-x64 executable (Node SEA) does what the source CLI does. Builds
// dist/ratwatch-linux-x64 first when it is missing or older than its sources (about 15 s once the Node
// binary is cached in dist/.cache; the first build fetches it from the npm registry).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../../agent/version.ts';
import { hostId, loadPackageConfig } from '../../../scripts/package/config.ts';
import { generatorNode } from '../../../scripts/package/node-binaries.ts';
import { APP_WARM_ARGS, writeCodeCache } from '../../../scripts/package/code-cache.ts';
import { BUNDLE_HEAD, BUNDLE_TAIL, SEA_EXEC_ARGV, SEA_RUNTIME_V8_FLAGS, writeBlob } from '../../../scripts/package/sea.ts';
import { isStale } from '../../../scripts/package/stale.ts';
import { ROOT } from '../../helpers/paths.ts';

const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const INVENTORIES = path.join(ROOT, 'test/fixtures/inventories');
const BUILD_TIMEOUT_MS = 240_000;
const target = loadPackageConfig(ROOT).targets.find((t) => t.id === 'linux-x64')!;
const exe = target.output;

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('packaged executable (linux-x64)', () => {
  beforeAll(() => {
    expect(hostId(), 'the smoke test runs the linux-x64 build, so it needs a linux-x64 machine').toBe('linux-x64');
    if (isStale(exe, ROOT)) {
      execFileSync(TSX, ['scripts/package.ts', '--target', 'linux-x64'], { cwd: ROOT, stdio: 'inherit', timeout: BUILD_TIMEOUT_MS });
    }
  }, BUILD_TIMEOUT_MS + 10_000);

  it('prints the version', () => {
    const r = run(exe, ['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
    // no "single executable applications are experimental" warning or other noise
    expect(r.stderr).toBe('');
  });

  it('scans this machine and prints a scan result', () => {
    const r = run(exe, ['scan', '--json']);
    expect([0, 1]).toContain(r.code);
    const result = JSON.parse(r.stdout);
    expect(result.schema).toBe('ratwatch.scan/2');
    expect(Array.isArray(result.findings)).toBe(true);
    expect(result.host.os).toBe('linux');
    expect(result.host.agentVersion).toBe(VERSION);
    const names: string[] = result.sources.map((s: { name: string }) => s.name);
    expect(names).toContain('linux.processes');
    expect(result.sources.find((s: { name: string }) => s.name === 'linux.processes').ok).toBe(true);
    expect(result.counts.processes).toBeGreaterThan(0);
    expect(r.code).toBe(result.findings.some((f: { status: string }) => f.status === 'finding') ? 1 : 0);
  });

  it.each(['macos-anydesk.json', 'macos-clean.json'])('replays %s with the same findings as the source CLI', (name) => {
    const file = path.join(INVENTORIES, name);
    const packaged = run(exe, ['scan', '--json', '--inventory', file]);
    const source = run(TSX, ['agent/main.ts', 'scan', '--json', '--inventory', file]);
    expect(packaged.code).toBe(source.code);
    const a = JSON.parse(packaged.stdout);
    const b = JSON.parse(source.stdout);
    expect(a.findings).toEqual(b.findings);
    expect(a.counts).toEqual(b.counts);
    expect(a.catalog).toEqual(b.catalog);
    if (name === 'macos-anydesk.json') {
      expect(packaged.code).toBe(1);
      expect(a.findings.map((f: { tool: { name: string } }) => f.tool.name)).toContain('AnyDesk');
    }
  });

  it('writes a byte-identical SEA blob from the same bundle, so SHA256SUMS can be reproduced', () => {
    const cfg = loadPackageConfig(ROOT);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ratwatch-blob-'));
    try {
      const main = path.join(dir, 'bundle.cjs');
      copyFileSync(path.join(cfg.outDir, '.build', `${cfg.name}-node${target.nodeMajor}.cjs`), main);
      const gen = generatorNode(cfg.cacheDir, target.nodeVersion);
      const blobs = ['a', 'b'].map((n) => {
        const blob = path.join(dir, `${n}.blob`);
        writeBlob({ generator: gen, main, blob, configFile: path.join(dir, `${n}.json`), assets: {} });
        return readFileSync(blob);
      });
      expect(blobs[0].length).toBeGreaterThan(100_000);
      expect(blobs[0].equals(blobs[1])).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes a byte-identical V8 code cache of the bundle, warmed up, which the executable's V8 flags accept and the executable carries", () => {
    const cfg = loadPackageConfig(ROOT);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ratwatch-cache-'));
    try {
      const bundle = path.join(cfg.outDir, '.build', `${cfg.name}-node${target.nodeMajor}.cjs`);
      const gen = generatorNode(cfg.cacheDir, target.nodeVersion);
      const caches = ['a', 'b'].map((n) => {
        writeCodeCache(gen, bundle, path.join(dir, n), APP_WARM_ARGS);
        return readFileSync(path.join(dir, n));
      });
      expect(caches[0].length).toBeGreaterThan(100_000);
      expect(caches[0].equals(caches[1])).toBe(true);
      // the warm-up ran: the module initialisers it compiled are in the cache too
      writeCodeCache(gen, bundle, path.join(dir, 'cold'));
      expect(caches[0].length).toBeGreaterThan(readFileSync(path.join(dir, 'cold')).length * 1.5);
      // compiled as the SEA loader does; V8 says why it refuses a cache only under --profile-deserialization,
      // a flag it leaves out of the flags hash, so adding it does not change the answer
      // argv[3]: V8 flags set at run time before the compile, as the SEA loader sets SEA_RUNTIME_V8_FLAGS
      const consume = `const fs = require('node:fs');
        if (process.argv[3]) require('node:v8').setFlagsFromString(process.argv[3]);
        const code = ${JSON.stringify(BUNDLE_HEAD)} + fs.readFileSync(process.argv[1]).toString('latin1') + ${JSON.stringify(BUNDLE_TAIL)};
        const script = new (require('node:vm').Script)(code, { filename: 'bundle.cjs', cachedData: fs.readFileSync(process.argv[2]) });
        console.log(JSON.stringify({ rejected: script.cachedDataRejected }));`;
      const load = (flags: string[], runtimeFlags = '') =>
        run(gen, [...flags, '--profile-deserialization', '-e', consume, bundle, path.join(dir, 'a'), runtimeFlags]).stdout;
      const withSeaFlags = load(SEA_EXEC_ARGV, SEA_RUNTIME_V8_FLAGS);
      expect(withSeaFlags).toContain(`[Deserializing from ${caches[0].length} bytes`);
      expect(withSeaFlags.trim().split('\n').at(-1)).toBe('{"rejected":false}');
      // under other flags V8 refuses it, so the check above can fail: without the run-time flags, and with
      // the same flags given at start, which V8 hashes otherwise
      expect(load(SEA_EXEC_ARGV).trim().split('\n').at(-1)).toBe('{"rejected":true}');
      const atStart = SEA_RUNTIME_V8_FLAGS.split(' ');
      expect(
        load([...SEA_EXEC_ARGV, ...atStart])
          .trim()
          .split('\n')
          .at(-1),
      ).toBe('{"rejected":true}');
      expect(readFileSync(exe).indexOf(caches[0])).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs its daemon's scan in a child of itself when started by a relative path, with its own V8 flags", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ratwatch-sea-daemon-'));
    try {
      copyFileSync(exe, path.join(dir, 'ratwatch'));
      writeFileSync(path.join(dir, 'config.yaml'), `schedule: "0 0 1 1 *"\njitterSeconds: 0\nspoolDir: ${path.join(dir, 'spool')}\n`);
      // argv[1] of a SEA is the path as typed; the child must still be the executable itself, not "./ratwatch" as an argument
      const child = spawn('./ratwatch', ['daemon', '--config', 'config.yaml'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr.on('data', (c: Buffer) => (log += c.toString()));
      const until = Date.now() + 120_000;
      while (!/cycle 1:|failed/.test(log) && Date.now() < until && child.exitCode === null) await new Promise((ok) => setTimeout(ok, 250));
      child.kill('SIGTERM');
      await new Promise((ok) => child.once('exit', ok));
      expect(log).toMatch(/ratwatch: cycle 1: full report #1/);
      expect(log).not.toMatch(/failed|unknown option/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it('delivers a report through the bundled axios, whose form-data is a stand-in (scripts/package/bundle.ts)', async () => {
    const bundle = readFileSync(path.join(ROOT, 'dist/.build/ratwatch-node24.cjs'), 'latin1');
    expect(bundle).toContain('multipart bodies are not bundled in ratwatch');
    expect(bundle).not.toContain('application/vnd.');
    const got: { method: string | undefined; encoding: string | undefined; bytes: number }[] = [];
    const server = http.createServer((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        got.push({ method: req.method, encoding: req.headers['content-encoding'], bytes });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ratwatch-sea-report-'));
    try {
      const cfg = path.join(dir, 'config.yaml');
      const { port } = server.address() as AddressInfo;
      writeFileSync(cfg, `endpoint:\n  url: http://127.0.0.1:${port}/\n  tokenEnv: RW_SMOKE_TOKEN\nspoolDir: ${path.join(dir, 'spool')}\n`);
      const child = spawn(exe, ['scan', '--report', '--config', cfg], {
        env: { ...process.env, RW_SMOKE_TOKEN: 'smoke' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let log = '';
      child.stderr.on('data', (c: Buffer) => (log += c.toString()));
      const code = await new Promise((ok) => child.once('exit', ok));
      expect(log).not.toMatch(/failed|error/i);
      expect([0, 1]).toContain(code);
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ method: 'POST', encoding: 'gzip' });
      expect(got[0].bytes).toBeGreaterThan(100);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('exits 2 on a bad inventory, like the source CLI', () => {
    const r = run(exe, ['scan', '--inventory', path.join(ROOT, 'package.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ratwatch: /);
  });
});
