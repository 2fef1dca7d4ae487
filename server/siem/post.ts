import { errorLine } from '../../agent/log-line.ts';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Attempt } from '../notify/retry.ts';
import { retryAfter } from '../notify/http.ts';

// One POST to a SIEM with a timeout, a bounded answer and no redirects; only the URL's origin ever
// appears in a message (a HEC or collector URL may carry a token in its query).

const MAX_ANSWER = 64 * 1024;

export type PostResult = Attempt & { status?: number; answer?: string };

export function readCaFile(file: string | undefined, what: string): Buffer | undefined {
  if (!file) return undefined;
  let ca: Buffer;
  try {
    ca = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`${what}: caFile ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${what}: caFile ${file}: no PEM certificate in it`);
  return ca;
}

export function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  o: { ca?: Buffer | undefined; timeoutMs: number },
): Promise<PostResult> {
  return new Promise((resolve) => {
    const lib = url.protocol === 'https:' ? https : http;
    let done = false;
    const finish = (r: PostResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = lib.request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'ratwatch-server',
          'content-length': String(Buffer.byteLength(body)),
          ...headers,
        },
        ...(o.ca ? { ca: o.ca } : {}),
        minVersion: 'TLSv1.2',
      } as https.RequestOptions,
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_ANSWER) chunks.push(c);
          else res.destroy();
        });
        res.on('close', () => {
          const status = res.statusCode ?? 0;
          const answer = Buffer.concat(chunks).toString('utf8');
          if (status >= 200 && status < 300) return finish({ ok: true, status, answer });
          const retry =
            status >= 500 || status === 429 || status === 408 || status === 401 || status === 403 || (status >= 300 && status < 400);
          finish({
            ok: false,
            status,
            answer,
            retry,
            reason: `POST ${url.origin} answered HTTP ${status}`,
            retryAfterMs: retryAfter((res.headers['retry-after'] as string | undefined) ?? null),
          });
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, retry: true, reason: `POST ${url.origin} failed: no answer within ${o.timeoutMs} ms` });
    }, o.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) =>
      finish({ ok: false, retry: true, reason: `POST ${url.origin} failed: ${e.code ?? errorLine(e)}` }),
    );
    req.end(body);
  });
}
