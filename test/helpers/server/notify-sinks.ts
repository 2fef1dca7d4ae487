// Real local sinks for the notifier tests: an HTTP server on 127.0.0.1 that records what it receives and
// answers with a scripted status, and an alert produced by the real farm evaluation with hostile host names.
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

/** Answers each request with the next status of `statuses` (the last one repeats). */
export async function httpSink(statuses: number[] = [200]): Promise<HttpSink> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)];
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
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
