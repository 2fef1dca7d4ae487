import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CHILD_SCAN_COMMAND } from '../../../../agent/daemon/child-scan.ts';
import { ROOT } from '../../../helpers/paths.ts';
import { readHashCache } from '../../../../agent/daemon/hash-cache.ts';

// The real daemon (agent/main.ts) scans in a child process of itself and delivers what the child found
// to a real HTTP endpoint on loopback.

const dir = mkdtempSync(join(tmpdir(), 'rw-child-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('daemon scans in a child process', () => {
  it('delivers the scan a child process made, and the child never sees the token', async () => {
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
      while (bodies.length === 0 && Date.now() < until && child.exitCode === null) await new Promise((ok) => setTimeout(ok, 250));
      expect(bodies.length, `daemon log:\n${log}`).toBeGreaterThan(0);
      const report = JSON.parse(bodies[0]);
      expect(JSON.stringify(report)).toContain(`"hostname"`);
      expect(log).toMatch(/scheduled scan|start/);
      expect(log).not.toContain('scan process failed');
      // the child's file fingerprints came back and the daemon kept them for the next cycle's child, in a
      // file the spool leaves alone
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

  it('is a hidden command that prints one scan result as JSON and exits 0 even with findings', async () => {
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const c = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'agent/main.ts'), CHILD_SCAN_COMMAND], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let stdout = '';
      c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      c.on('close', (code) => resolve({ code, stdout }));
    });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).schema).toBe('ratwatch.scan/2');
  }, 240_000);
});
