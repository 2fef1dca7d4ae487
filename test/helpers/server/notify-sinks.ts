// Real local sinks for the notifier tests: an HTTP server on 127.0.0.1 that records what it receives and
// answers with a scripted status, and an alert produced by the real farm evaluation with hostile host names.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { evaluateFarms, farmSettings } from '../../../server/farm/index.ts';
import type { NotifyAlert } from '../../../server/notify/index.ts';
import { NOW, OFFICE_IP, simulatedFleet } from './farm-fleet.ts';

export const HOSTILE = '<!channel> & <https://evil.example|click> *pwn*\r\nBcc: victim@evil.example';

export function farmAlert(): NotifyAlert {
  const fleet = simulatedFleet(20);
  const farmHost = fleet.hosts.find((h) => h.agentId === 'farm0')!;
  farmHost.hostname = HOSTILE;
  const { alerts } = evaluateFarms(fleet.hosts, farmSettings({ office: { cidrs: [OFFICE_IP], gatewayMacs: [], bssids: [] } }), NOW);
  if (alerts.length !== 1) throw new Error(`expected one alert from the simulated fleet, got ${alerts.length}`);
  return { ...alerts[0], title: `${alerts[0].title} on ${HOSTILE}`, id: 'alert-1', url: 'https://ratwatch.corp.example/alerts/alert-1' };
}

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface HttpSink {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/**
 * Answers each request with the next status of `statuses` (the last one repeats). `hold(n, gone)`, when it
 * returns a promise, keeps the answer to request n (from 1) back until it settles; `gone` settles when the
 * client closed the connection (it gave up), and a request whose client is gone is not answered.
 */
export async function httpSink(
  statuses: number[] = [200],
  hold: (n: number, gone: Promise<void>) => Promise<unknown> | undefined = () => undefined,
): Promise<HttpSink> {
  const received: Received[] = [];
  // Each sink answers under a path of its own: a request meant for another test's sink that closed (a
  // notifier's retry) or for a port another test took to be dead, landing on this one's reused port, is
  // answered 404 and not recorded. What is recorded is the path after that prefix.
  const prefix = `/sink-${randomBytes(6).toString('hex')}`;
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '';
    if (path !== prefix && !path.startsWith(`${prefix}/`) && !path.startsWith(`${prefix}?`)) {
      req.resume();
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    // the answer's close: when it was sent, or when the connection closed before (on the socket, listeners would pile up per kept-alive connection)
    const gone = new Promise<void>((resolve) => res.once('close', () => resolve()));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = path.slice(prefix.length) || '/';
      received.push({ method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const n = received.length;
      await hold(n, gone);
      if (res.destroyed) return;
      const status = statuses[Math.min(n - 1, statuses.length - 1)];
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // a held answer is never sent
      }),
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
