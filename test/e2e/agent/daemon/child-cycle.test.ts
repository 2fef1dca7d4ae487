import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CYCLE_COMMAND, type CycleInput } from '../../../../agent/daemon/child-cycle.ts';
import { loadConfig } from '../../../../agent/config/load.ts';
import { ROOT } from '../../../helpers/paths.ts';
import { readHashCache } from '../../../../agent/daemon/hash-cache.ts';

// The real daemon (agent/main.ts) runs each cycle in a child process of itself, which scans and delivers
// to a real HTTP endpoint on loopback.

const dir = mkdtempSync(join(tmpdir(), 'rw-child-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The environments of the daemon's cycle children alive now (root reads any /proc/<pid>/environ). Only
 * children running the cycle command count: under tsx the daemon also starts esbuild's service when its
 * transform cache is cold, and that child of the test harness inherits the daemon's own environment.
 */
function childEnvironments(parent: number): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      const cycle = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(CYCLE_COMMAND);
      if (ppid === parent && cycle) out.push(readFileSync(`/proc/${pid}/environ`, 'utf8'));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe('daemon cycles in a child process', () => {
  it('delivers the scan a child process made, and the token is not in the child environment', async () => {
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // the scan's banner probe asks local listeners `GET /`: only the report (a POST) counts here
        if (req.method !== 'POST') return void res.writeHead(404).end();
        const raw = Buffer.concat(chunks);
        bodies.push((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    const cfg = join(dir, 'config.yaml');
    writeFileSync(
      cfg,
      `endpoint:\n  url: http://127.0.0.1:${port}/\n  tokenEnv: RW_CHILD_TOKEN\nschedule: "0 0 1 1 *"\njitterSeconds: 0\nspoolDir: ${join(dir, 'spool')}\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'agent/main.ts'), 'daemon', '--config', cfg], {
      cwd: ROOT,
      env: { ...process.env, RW_CHILD_TOKEN: 'child-scan-secret' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    try {
      const until = Date.now() + 240_000;
      const envs: string[] = [];
      // the report arrives while the child still runs; the daemon logs the cycle once the child has exited
      const cycleLogged = () => /^ratwatch: cycle 1: /m.test(log);
      while ((bodies.length === 0 || !cycleLogged()) && Date.now() < until && child.exitCode === null) {
        envs.push(...childEnvironments(child.pid!));
        await new Promise((ok) => setTimeout(ok, 250));
      }
      expect(bodies.length, `daemon log:\n${log}`).toBeGreaterThan(0);
      const report = JSON.parse(bodies[0]);
      expect(JSON.stringify(report)).toContain(`"hostname"`);
      expect(log).toMatch(/scheduled scan|start/);
      expect(log).not.toContain('scan process failed');
      expect(log).toMatch(/^ratwatch: cycle 1: full report #1 \(\+\d+ -0\), scan \d+ ms; sent 1, pending 0$/m);
      expect(envs.length, 'a cycle child was seen').toBeGreaterThan(0);
      for (const e of envs) expect(e).not.toContain('child-scan-secret');
      // the child kept its file fingerprints for the next cycle's child, in a file the spool leaves alone
      const cache = readHashCache(join(dir, 'spool'));
      expect(cache.problem).toBeUndefined();
      expect(cache.entries.length).toBeGreaterThan(0);
      expect(cache.entries.some((e) => e.id.elfBuildId || e.id.sha256)).toBe(true);
      expect(readdirSync(join(dir, 'spool', 'quarantine'))).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      await new Promise((ok) => child.once('exit', ok));
      server.close();
    }
  }, 300_000);

  it('is a hidden command that scans, spools and prints its log line as JSON, exit 0 even with findings', async () => {
    const spoolDir = join(dir, 'hidden-spool');
    mkdirSync(spoolDir, { mode: 0o700 }); // as the daemon makes it before its first cycle
    const input: CycleInput = { config: loadConfig({ env: { RATWATCH_SPOOL_DIR: spoolDir }, flags: {} }), env: {} };
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const c = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'agent/main.ts'), CYCLE_COMMAND], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      let stdout = '';
      c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      c.on('close', (code) => resolve({ code, stdout }));
      c.stdin.end(JSON.stringify(input));
    });
    expect(out.code).toBe(0);
    const res = JSON.parse(out.stdout);
    expect(res.line).toMatch(/^full report #1 \(\+\d+ -0\), scan \d+ ms; no endpoint.url configured: kept in the spool \(1 waiting\)$/);
    expect(res.retryAt).toBeUndefined();
    expect(readHashCache(spoolDir).entries.length).toBeGreaterThan(0);
  }, 240_000);
});
