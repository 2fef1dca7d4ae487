import { createHash } from 'node:crypto';
import { sameToken } from '../api/passwords.ts';
import { signRequest } from '../../agent/transport/sign.ts';
import type { IncomingMessage } from 'node:http';
import { gunzip, gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import type { Store } from '../store/types.ts';
import type { IncomingReport, IngestItem } from './report-types.ts';
import { reportSchemaProblem } from './validate.ts';

// PROTOCOL.md, server side: everything that decides whether a request can ever become a report.
// A refusal here is final for that request (4xx: the agent moves it to rejected/); nothing is stored.

const gunzipAsync = promisify(gunzip);
// Deflate expands at most ~1032:1, so a sync inflate of <= 4 KiB stays <= ~4 MiB (a few ms) even for a bomb.
const SYNC_GUNZIP_MAX = 4 * 1024; // wire bytes; bigger bodies go to the thread pool
// \u0000 in JSON text, not preceded by an escaped backslash (\\u0000 is the six characters, which are fine).
const ESCAPED_NUL = /(?<!\\)(?:\\\\)*\\u0000/;

export interface IngestLimits {
  maxWireBytes: number; // body as sent
  maxInflatedBytes: number; // after gzip
  maxClockSkewS: number; // signed timestamps further off are refused (replay window)
}

export const DEFAULT_LIMITS: IngestLimits = { maxWireBytes: 2 * 1024 * 1024, maxInflatedBytes: 16 * 1024 * 1024, maxClockSkewS: 300 };

export class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly agentId?: string,
    readonly tamper?: 'bad-signature',
  ) {
    super(message);
  }
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The request body, refused with 413 as soon as it passes the limit (the rest is not read). */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) return reject(new Refusal(413, `body larger than ${max} bytes`));
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > max) {
        req.removeAllListeners('data');
        req.resume();
        return reject(new Refusal(413, `body larger than ${max} bytes`));
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer ([\x21-\x7e]{8,512})$/.exec(header(req, 'authorization') ?? '');
  return m?.[1];
}

export interface ReceiveOptions {
  store: Store;
  limits: IngestLimits;
  hmacKey?: Buffer | undefined;
  now: () => Date;
}

/** Authenticates the agent (its own enrolled key), before the body is read. */
export async function authenticateAgent(req: IncomingMessage, store: Store): Promise<string> {
  const key = bearer(req);
  if (!key) throw new Refusal(401, 'missing bearer key (enroll the agent: ratwatch enroll)');
  const agent = await store.agentByKeyHash(hashKey(key));
  if (!agent) throw new Refusal(401, 'unknown agent key');
  if (agent.revoked) throw new Refusal(401, 'agent key revoked', agent.agentId);
  return agent.agentId;
}

// Protocol v2 signatures (agent/transport/sign.ts, PROTOCOL.md): the canonical string binds method, path,
// timestamp, the report headers and the body hash, so a captured signature cannot be replayed under
// another agent id, report id, sequence or kind. The same function the agent signs with computes it here.
function verifySignature(req: IncomingMessage, wire: Buffer, key: Buffer, now: Date, skewS: number, agentId: string): void {
  const ts = header(req, 'x-ratwatch-timestamp') ?? '';
  const sig = header(req, 'x-ratwatch-signature') ?? '';
  if (!/^\d{1,12}$/.test(ts)) throw new Refusal(401, 'missing or malformed X-Ratwatch-Timestamp', agentId, 'bad-signature');
  const want = signRequest(key, {
    method: req.method ?? 'POST',
    path: req.url ?? '/',
    timestamp: ts,
    agentId: header(req, 'x-ratwatch-agent-id') ?? '',
    reportId: header(req, 'x-ratwatch-report-id') ?? '',
    sequence: Number(header(req, 'x-ratwatch-sequence') ?? Number.NaN),
    kind: header(req, 'x-ratwatch-report-kind') ?? '',
    body: wire,
  });
  if (!sameToken(sig, want)) throw new Refusal(401, 'bad X-Ratwatch-Signature', agentId, 'bad-signature');
  if (Math.abs(now.getTime() / 1000 - Number(ts)) > skewS)
    throw new Refusal(401, `signature timestamp more than ${skewS} s off the server clock`, agentId, 'bad-signature');
}

/** Reads, verifies and validates one ingest request into an IngestItem; throws Refusal. */
export async function receiveReport(
  req: IncomingMessage,
  agentId: string,
  publicIp: string | null,
  o: ReceiveOptions,
): Promise<IngestItem> {
  const encoding = (header(req, 'content-encoding') ?? 'identity').toLowerCase();
  if (encoding !== 'gzip' && encoding !== 'identity')
    throw new Refusal(415, `unsupported Content-Encoding ${JSON.stringify(encoding.slice(0, 32))}`, agentId);
  const wire = await readBody(req, o.limits.maxWireBytes);
  const now = o.now();
  if (o.hmacKey) verifySignature(req, wire, o.hmacKey, now, o.limits.maxClockSkewS, agentId);
  let plain: Buffer;
  if (encoding === 'gzip') {
    try {
      // A typical report is a few KiB: inflating it here costs less than the trip to the thread pool.
      plain =
        wire.length <= SYNC_GUNZIP_MAX
          ? gunzipSync(wire, { maxOutputLength: o.limits.maxInflatedBytes })
          : await gunzipAsync(wire, { maxOutputLength: o.limits.maxInflatedBytes });
    } catch (e) {
      const tooBig = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      throw new Refusal(
        tooBig ? 413 : 400,
        tooBig ? `inflated body larger than ${o.limits.maxInflatedBytes} bytes` : 'body is not valid gzip',
        agentId,
      );
    }
  } else plain = wire;
  let parsed: unknown;
  const text = plain.toString('utf8');
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Refusal(400, 'body is not JSON (only the native format is accepted)', agentId);
  }
  // PostgreSQL text cannot hold U+0000: such a report would fail its transaction on every resend.
  if (ESCAPED_NUL.test(text)) throw new Refusal(400, 'report contains a NUL character (\\u0000)', agentId);
  const problem = reportSchemaProblem(parsed);
  if (problem) throw new Refusal(400, `not a ratwatch report: ${problem}`, agentId);
  const report = parsed as IncomingReport;
  if (report.agentId !== agentId) throw new Refusal(403, 'report agentId is not the agent this key was issued to', agentId);
  // the signature binds the headers; the body must say the same, or a signed header set could carry another report
  const bound: Array<[string, string]> = [
    ['x-ratwatch-report-id', report.reportId],
    ['x-ratwatch-agent-id', report.agentId],
    ['x-ratwatch-sequence', String(report.sequence)],
    ['x-ratwatch-report-kind', report.kind],
  ];
  for (const [name, value] of bound) {
    const h = header(req, name);
    if (h !== undefined && h !== value) throw new Refusal(400, `${name} does not match the report`, agentId);
  }
  return { report, body: text, publicIp, receivedAt: now.toISOString() };
}
