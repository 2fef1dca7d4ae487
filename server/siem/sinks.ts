import { createHash } from 'node:crypto';
import { HEC_PATH } from '../../agent/report/splunk.ts';
import type { NativeReport } from '../../agent/report/types.ts';
import { checkUrl } from '../notify/http.ts';
import type { AlertRow } from '../store/types.ts';
import { hecAlertEvent, hecReportEvents, ocsfAlertEvent, ocsfReportEvents, type SiemEvent } from './encode.ts';
import { post, readCaFile } from './post.ts';
import { SiemConfigError, type SiemConfig } from './types.ts';
import { ackUrl, CHANNEL_HEADER, parseAnswer } from '../../agent/transport/hec-ack.ts';
import { awaitAck } from './hec-ack.ts';

/** What a sink did with one batch: all taken, or failed from `taken` on (HEC indexes up to a bad event). */
export type SendOutcome =
  | { ok: true }
  | { ok: false; taken: number; dead: number; retry: boolean; reason: string; retryAfterMs?: number | undefined };

export interface SiemSink {
  readonly name: string;
  readonly forwards: { findings: boolean; alerts: boolean };
  readonly batch: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Most events kept in its outbox; the oldest beyond are dropped (jobs/siem-round.ts). */
  readonly maxQueued: number;
  reportEvents(r: NativeReport): SiemEvent[];
  alertEvent(a: AlertRow & { notifiedAt: string }): SiemEvent;
  send(bodies: string[]): Promise<SendOutcome>;
}

export const DEFAULT_MAX_QUEUED = 100_000;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function int(v: unknown, def: number, min: number, max: number, what: string): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new SiemConfigError(`${what} must be an integer from ${min} to ${max}`);
  return v;
}

/** A content refusal no retry can fix (the event itself); anything else is retried with backoff. */
const refusedForGood = (status: number | undefined) => status === 400 || status === 413 || status === 422;

export function createSiemSink(c: SiemConfig, serverVersion: string): SiemSink {
  if (typeof c !== 'object' || c === null) throw new SiemConfigError('siem: each entry must be an object');
  if (c.type !== 'ocsf' && c.type !== 'splunk-hec')
    throw new SiemConfigError(
      `siem: type ${JSON.stringify(String((c as { type?: unknown }).type).slice(0, 40))} is not ocsf or splunk-hec`,
    );
  const name = c.name ?? c.type;
  if (!NAME.test(name))
    throw new SiemConfigError(`siem: name ${JSON.stringify(String(name).slice(0, 40))} must be 1-64 letters, digits, . _ -`);
  const what = `siem ${name}`;
  let url: URL;
  try {
    url = checkUrl(c.url, what, c.allowHttp);
  } catch (e) {
    throw new SiemConfigError((e as Error).message);
  }
  let ca: Buffer | undefined;
  try {
    ca = readCaFile(c.caFile, what);
  } catch (e) {
    throw new SiemConfigError((e as Error).message);
  }
  const forward = c.forward ?? ['findings', 'alerts'];
  if (!Array.isArray(forward) || !forward.every((f) => f === 'findings' || f === 'alerts'))
    throw new SiemConfigError(`${what}: forward lists findings and/or alerts`);
  const timeoutMs = int(c.timeoutMs, 15_000, 100, 300_000, `${what}: timeoutMs`);
  const common = {
    name,
    forwards: { findings: forward.includes('findings'), alerts: forward.includes('alerts') },
    batch: int(c.batch, 100, 1, 1000, `${what}: batch`),
    retryBaseMs: int(c.retryBaseMs, 30_000, 1, 86_400_000, `${what}: retryBaseMs`),
    retryMaxMs: int(c.retryMaxMs, 3_600_000, 1, 86_400_000, `${what}: retryMaxMs`),
    maxQueued: int(c.maxQueued, DEFAULT_MAX_QUEUED, 100, 10_000_000, `${what}: maxQueued`),
  };
  const secret = (t: unknown, required: boolean) => {
    if (t === undefined && !required) return undefined;
    if (typeof t !== 'string' || !/^[\x21-\x7e]{1,512}$/.test(t))
      throw new SiemConfigError(`${what}: token must be 1-512 printable characters`);
    return t;
  };
  if (c.type === 'ocsf') {
    const token = secret(c.token, false);
    return {
      ...common,
      reportEvents: ocsfReportEvents,
      alertEvent: (a) => ocsfAlertEvent(a, serverVersion),
      async send(bodies) {
        const r = await post(url, `[${bodies.join(',')}]`, token ? { authorization: `Bearer ${token}` } : {}, { ca, timeoutMs });
        if (r.ok) return { ok: true };
        const dead = refusedForGood(r.status);
        return {
          ok: false,
          taken: 0,
          dead: dead ? bodies.length : 0,
          retry: r.retry && !dead,
          reason: r.reason,
          retryAfterMs: r.retryAfterMs,
        };
      },
    };
  }
  const token = secret(c.token, true) as string;
  if (c.index !== undefined && (typeof c.index !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,79}$/.test(c.index)))
    throw new SiemConfigError(`${what}: index is not a Splunk index name`);
  if (c.channel !== undefined && !GUID.test(c.channel)) throw new SiemConfigError(`${what}: channel must be a GUID`);
  const channel = c.channel ?? guidOf(`ratwatch-server:${name}`);
  if (c.ack !== undefined && typeof c.ack !== 'boolean') throw new SiemConfigError(`${what}: ack must be true or false`);
  const ackTimeoutMs = int(c.ackTimeoutMs, 10_000, 100, 300_000, `${what}: ackTimeoutMs`);
  const opts = { index: c.index, fields: c.fields };
  const hecUrl = url.pathname === '/' ? new URL(HEC_PATH, url) : url;
  return {
    ...common,
    reportEvents: (r) => hecReportEvents(r, opts),
    alertEvent: (a) => hecAlertEvent(a, opts),
    async send(bodies) {
      const headers = { authorization: `Splunk ${token}`, [CHANNEL_HEADER]: channel };
      const r = await post(hecUrl, bodies.join('\n'), headers, { ca, timeoutMs });
      if (r.ok && !c.ack) return { ok: true };
      if (r.ok) {
        // Received is not indexed: only the ack endpoint's true counts. Unacknowledged, the batch goes
        // again after the backoff (HEC's own advice; the SIEM may then see an event twice, never none).
        const ackId = parseAnswer(r.answer).ackId;
        const why =
          ackId === undefined
            ? `POST ${hecUrl.origin} answered without an ackId: indexer acknowledgment is off for the token (set ack: false)`
            : await awaitAck(ackUrl(hecUrl), ackId, headers, { ca, timeoutMs, waitMs: ackTimeoutMs });
        return why === undefined ? { ok: true } : { ok: false, taken: 0, dead: 0, retry: true, reason: why };
      }
      // HEC indexes a batch event by event up to the first bad one and names it (invalid-event-number).
      // Then the events before it are in, that one is refused for good, and those after it go again.
      // not JSON, or no such number: nothing known to be indexed
      const n = parseAnswer(r.answer).invalidEvent;
      const bad = r.status === 400 && n !== undefined && n < bodies.length ? n : undefined;
      const reason = `${r.reason}${r.answer ? ` ${r.answer.replace(/\s+/g, ' ').slice(0, 160)}` : ''}`;
      if (bad !== undefined) return { ok: false, taken: bad, dead: 1, retry: true, reason };
      const dead = refusedForGood(r.status);
      return { ok: false, taken: 0, dead: dead ? bodies.length : 0, retry: r.retry && !dead, reason, retryAfterMs: r.retryAfterMs };
    },
  };
}

/** A stable GUID from a name (HEC wants one channel per client, the same across restarts). */
function guidOf(s: string): string {
  const h = createHash('sha256').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function createSiemSinks(configs: readonly SiemConfig[], serverVersion: string): SiemSink[] {
  if (!Array.isArray(configs)) throw new SiemConfigError('siem is not a list');
  const sinks = configs.map((c) => createSiemSink(c, serverVersion));
  const names = new Set<string>();
  for (const s of sinks) {
    if (names.has(s.name)) throw new SiemConfigError(`two siem sinks are named ${JSON.stringify(s.name)}; give each a name`);
    names.add(s.name);
  }
  return sinks;
}
