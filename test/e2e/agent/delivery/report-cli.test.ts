import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanResult } from '../../../../agent/model.ts';
import type { NativeReport } from '../../../../agent/report/types.ts';
import { ratwatchAsync as ratwatch, ROOT } from '../../../helpers/cli.ts';
import { waitFor } from '../../../helpers/procs.ts';
import { makeCerts, startReceiver, type Certs, type Receiver } from '../../../helpers/report-helpers.ts';

// The whole path an operator uses: the real CLI (scan --report, flush, daemon) delivering to a real HTTPS
// endpoint on 127.0.0.1 that trusts nothing but a CA made here, checks the bearer token and the HMAC.

const dir = mkdtempSync(join(tmpdir(), 'ratwatch-report-cli-'));
const TOKEN = 'tok-5b3f0c1e9a7d4e2f';
const HMAC = 'hmac-key-for-tests-only';
const INV = join(ROOT, 'test/fixtures/inventories/windows-anydesk.json');
let certs: Certs;
let rx: Receiver;

function flags(spool: string, url: string): string[] {
  const tokenFile = join(dir, 'token');
  const keyFile = join(dir, 'hmac.key');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(keyFile, HMAC, { mode: 0o600 });
  return [
    '--endpoint-url',
    url,
    '--ca-file',
    certs.caFile,
    '--token-file',
    tokenFile,
    '--hmac-key-file',
    keyFile,
    '--spool-dir',
    spool,
    '--retry-base-seconds',
    '0.05',
    '--timeout-ms',
    '20000',
    '--connect-timeout-ms',
    '10000',
  ];
}

function reports(): NativeReport[] {
  return rx.received.map((r) => JSON.parse(r.text) as NativeReport);
}

beforeAll(async () => {
  certs = makeCerts(dir);
  rx = await startReceiver(certs, { hmacKey: Buffer.from(HMAC) });
});

afterAll(async () => {
  await rx.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ratwatch scan --report', () => {
  it('delivers the findings it printed, signed and authenticated, and never logs the token', async () => {
    rx.received.length = 0;
    const spool = join(dir, 'spool-1');
    const r = await ratwatch(['scan', '--report', '--json', '--inventory', INV, ...flags(spool, rx.url)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ratwatch: report [0-9a-f-]{36} \(full\) delivered\n$/);
    const printed = JSON.parse(r.stdout) as ScanResult;
    expect(rx.received).toHaveLength(1);
    const got = rx.received[0];
    expect(got.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(got.headers['content-encoding']).toBe('gzip');
    expect(got.signatureOk).toBe(true);
    const report = reports()[0];
    expect(report).toMatchObject({ schema: 'ratwatch.report/2', kind: 'full', sequence: 1, scanId: printed.scanId, host: printed.host });
    const active = printed.findings
      .filter((f) => f.status === 'finding')
      .map((f) => f.id)
      .sort();
    expect(report.findings.map((f) => f.id).sort()).toEqual(active);
    expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
  });

  it('keeps the report on disk while the endpoint is down and delivers it exactly once with flush', async () => {
    rx.received.length = 0;
    const spool = join(dir, 'spool-2');
    const down = await startReceiver(certs);
    const deadUrl = down.url;
    await down.close(); // a port that was just ours and now refuses connections
    const first = await ratwatch(['scan', '--report', '--inventory', INV, ...flags(spool, deadUrl)]);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/^ratwatch: report [0-9a-f-]{36} \(full\) queued, 1 waiting: /);
    const waiting = readdirSync(spool).filter((f) => f.endsWith('.json') && f !== 'state.json');
    expect(waiting.length).toBeGreaterThanOrEqual(1);

    const flush = await ratwatch(['flush', ...flags(spool, rx.url)]);
    expect(flush.code).toBe(0);
    expect(flush.stderr).toContain('sent 1, pending 0');
    const again = await ratwatch(['flush', ...flags(spool, rx.url)]);
    expect([again.code, rx.received.length]).toEqual([0, 1]);
    expect(reports()[0].findings.length).toBeGreaterThan(0);
  });

  it('flush exits 3 while reports wait and 70 when the spool cannot be used, as the README says', async () => {
    const spool = join(dir, 'spool-4');
    const down = await startReceiver(certs);
    const deadUrl = down.url;
    await down.close();
    expect((await ratwatch(['scan', '--report', '--inventory', INV, ...flags(spool, deadUrl)])).code).toBe(1);
    const pending = await ratwatch(['flush', '--json', ...flags(spool, deadUrl)]);
    expect(pending.code).toBe(3);
    expect(JSON.parse(pending.stdout)).toMatchObject({ sent: 0, pending: 1 });
    expect(pending.stderr).toMatch(/^ratwatch: flush: sent 0, pending 1, rejected 0, quarantined 0, delivery failed: .*ECONNREFUSED.*\n$/);
    // A spool directory that is a file: a setting that cannot work, refused before anything runs
    const notDir = join(dir, 'not-a-dir');
    writeFileSync(notDir, '');
    const broken = await ratwatch(['flush', ...flags(notDir, rx.url)]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toBe(`ratwatch: spoolDir ${notDir}: refused, is not a folder\n`);
    expect(broken.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('ratwatch daemon', () => {
  it('scans this machine at start, delivers a report, and stops cleanly on SIGTERM', async () => {
    rx.received.length = 0;
    const spool = join(dir, 'spool-3');
    const child = spawn(
      join(ROOT, 'node_modules/.bin/tsx'),
      [join(ROOT, 'agent/main.ts'), 'daemon', ...flags(spool, rx.url), '--jitter-seconds', '0', '--schedule', '0 0 1 1 *'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => rx.received.length >= 1, 90_000, `a report from the daemon (stderr: ${err})`);
    } finally {
      child.kill('SIGTERM');
    }
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    expect(await exited).toBe(0);
    clearTimeout(killer);
    const report = reports()[0];
    expect(report.kind).toBe('full');
    expect(report.host.os).toBe('linux');
    expect(report.sources.some((s) => s.name === 'linux.processes' && s.ok)).toBe(true);
    expect(rx.received[0].signatureOk).toBe(true);
    expect(err).not.toContain(TOKEN);
  }, 150_000);
});
