import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Reporter } from '../../../../agent/delivery/reporter.ts';
import { reportConfig, scanResult } from '../../../helpers/report-helpers.ts';

// A receiver's verifier, written from agent/report/PROTOCOL.md alone (not from agent code): the key is
// the file's bytes without trailing CR/LF, the canonical string binds method, path, timestamp, the id
// headers and the body hash.
function verify(key: Buffer, method: string, path: string, headers: Record<string, string>, body: Buffer): boolean {
  const canonical = [
    'ratwatch-signature-v2',
    method,
    path,
    headers['x-ratwatch-timestamp'],
    headers['x-ratwatch-agent-id'],
    headers['x-ratwatch-report-id'],
    headers['x-ratwatch-sequence'],
    headers['x-ratwatch-report-kind'],
    createHash('sha256').update(body).digest('hex'),
  ].join('\n');
  const want = Buffer.from(`v2=${createHmac('sha256', key).update(canonical).digest('hex')}`);
  const got = Buffer.from(headers['x-ratwatch-signature'] ?? '');
  return got.length === want.length && timingSafeEqual(got, want);
}

const dir = mkdtempSync(join(tmpdir(), 'ratwatch-sig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('signature v2', () => {
  it('a captured signature over an empty OCSF body does not verify under another agent id, report id, sequence, kind or path', async () => {
    const captured: { path: string; headers: Record<string, string>; body: Buffer }[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) });
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    const keyFile = join(dir, 'hmac.key');
    writeFileSync(keyFile, 'k3y-0123456789abcdef-secret\n', { mode: 0o600 }); // written with echo: the newline is not part of the key
    try {
      const config = reportConfig(join(dir, 'spool'), {
        endpointUrl: `http://127.0.0.1:${port}/ingest?tenant=a`,
        endpointFormat: 'ocsf',
        hmacKeyFile: keyFile,
        gzip: false,
      });
      const reporter = new Reporter(config, { log: () => undefined });
      for (let i = 0; i < 2; i++) {
        await reporter.enqueue(scanResult([]));
        await reporter.flush();
      }
    } finally {
      server.close();
    }
    const key = Buffer.from('k3y-0123456789abcdef-secret');
    expect(captured).toHaveLength(2);
    const [a, b] = captured;
    expect(a.headers['x-ratwatch-signature']).toMatch(/^v2=[0-9a-f]{64}$/);
    expect(a.body.equals(b.body)).toBe(true); // OCSF heartbeats: same body, so the headers must be signed
    for (const c of captured) expect(verify(key, 'POST', c.path, c.headers, c.body)).toBe(true);
    expect(verify(Buffer.from('k3y-0123456789abcdef-secret\n'), 'POST', a.path, a.headers, a.body)).toBe(false);

    const replays: Record<string, string>[] = [
      { 'x-ratwatch-agent-id': 'another-agent' },
      { 'x-ratwatch-report-id': b.headers['x-ratwatch-report-id'] },
      { 'x-ratwatch-sequence': '999' },
      { 'x-ratwatch-report-kind': 'delta' },
      { 'x-ratwatch-timestamp': String(Number(a.headers['x-ratwatch-timestamp']) + 60) },
    ];
    for (const over of replays) expect(verify(key, 'POST', a.path, { ...a.headers, ...over }, a.body), JSON.stringify(over)).toBe(false);
    expect(verify(key, 'POST', '/ingest?tenant=b', a.headers, a.body)).toBe(false);
    expect(verify(key, 'PUT', a.path, a.headers, a.body)).toBe(false);
  }, 60_000);
});
