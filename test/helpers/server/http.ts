import { readFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';

// Raw requests to the server under test, for what the agent itself would never send.

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: () => any;
}

export function request(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: Buffer | string | undefined; caFile?: string | undefined } = {},
): Promise<Answer> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      u,
      {
        method: o.method ?? (o.body === undefined ? 'GET' : 'POST'),
        headers: o.headers,
        ...(o.caFile ? { ca: readFileSync(o.caFile) } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out')));
    req.end(o.body);
  });
}

export const basic = (name: string, password: string) => `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;
