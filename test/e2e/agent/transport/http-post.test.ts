import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeAgent } from '../../../../agent/transport/agent.ts';
import { httpPost } from '../../../../agent/transport/http-post.ts';

// The one POST every delivery makes (reports, HEC acknowledgment queries, enrollment), against a real
// HTTP server on 127.0.0.1. Timeouts and TLS are covered with the reporter in ../delivery/report-delivery.

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((ok) => s.close(ok));
});

async function serve(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: URL; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      answer(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`), seen };
}

function post(url: URL, body: Buffer, maxResponseBytes = 1024) {
  const agent = makeAgent(url, undefined, 5000);
  return httpPost(url, body, {
    headers: { 'content-type': 'application/json', 'x-test': 'one' },
    agent,
    timeoutMs: 10_000,
    maxResponseBytes,
  }).finally(() => agent.destroy());
}

describe('httpPost', () => {
  it('sends the body as given with its length and the caller headers, and reads the answer as text', async () => {
    const { url, seen } = await serve((_req, res) => res.writeHead(202, { 'retry-after': '7' }).end('{"ok":"ü"}'));
    const body = Buffer.from([0x1f, 0x8b, 0x00, 0xff, 0x10]);
    const res = await post(url, body);
    expect(res).toMatchObject({ status: 202, data: '{"ok":"ü"}' });
    expect(res.headers['retry-after']).toBe('7');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/ingest', body });
    expect(seen[0].headers).toMatchObject({ 'content-length': '5', 'content-type': 'application/json', 'x-test': 'one' });
  });

  it('returns a redirect as the answer and never follows it', async () => {
    const { url, seen } = await serve((req, res) => {
      if (req.url === '/ingest') res.writeHead(307, { location: '/elsewhere' }).end('moved');
      else res.writeHead(200).end('followed');
    });
    const res = await post(url, Buffer.from('{}'));
    expect(res).toMatchObject({ status: 307, data: 'moved' });
    expect(seen.map((s) => s.url)).toEqual(['/ingest']);
  });

  it('fails an answer longer than the limit with one line', async () => {
    const { url } = await serve((_req, res) => res.writeHead(200).end('x'.repeat(5000)));
    await expect(post(url, Buffer.from('{}'), 1024)).rejects.toThrow(/^response larger than 1024 bytes$/);
  });

  it('fails an answer cut off before its announced end instead of returning part of it', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only ten b');
      setImmediate(() => res.socket?.destroy());
    });
    await expect(post(url, Buffer.from('{}'))).rejects.toThrow(/^connection closed before the answer ended$/);
  });

  it('says what the network said when nothing listens', async () => {
    const { url } = await serve((_req, res) => res.end());
    await new Promise((ok) => servers.pop()!.close(ok));
    await expect(post(url, Buffer.from('{}'))).rejects.toThrow(`connect ECONNREFUSED 127.0.0.1:${url.port}`);
  });
});
