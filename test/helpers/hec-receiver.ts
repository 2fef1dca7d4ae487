import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { readConcatenatedJson, type Certs } from './report-helpers.ts';

// A local stand-in for Splunk's HTTP Event Collector, written from Splunk's documentation ("Format events
// for HTTP Event Collector", "About HTTP Event Collector Indexer Acknowledgment", "Troubleshoot HTTP
// Event Collector": status codes and texts) and from what HEC is reported to do: a batch is indexed
// event by event up to the first bad one, whose position comes back as "invalid-event-number"
// (moby/moby#35862); an ack status is removed once it has been read as true. It does not share any code
// with the agent.

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface HecEvent {
  time?: number;
  host?: string;
  source?: string;
  sourcetype?: string;
  index?: string;
  event?: any;
  fields?: Record<string, unknown>;
}

export interface HecOptions {
  token: string;
  /** Indexer acknowledgment enabled on the token. */
  ack: boolean;
  /** An ackId reads true from this many-th query on (1 = the first); 'never' keeps it false. */
  ackAfterQueries?: number | 'never';
  /** Indexes the token may write to; the default index when an event names none. */
  indexes?: string[];
  /** Events for which HEC answers "Invalid data format" (code 6). */
  badEvent?: ((e: HecEvent) => boolean) | undefined;
  /** Channels HEC refuses as invalid (code 11). */
  badChannels?: Set<string>;
  /** A proxy on the way drops X-Splunk-Request-Channel. */
  stripChannel?: boolean;
  /** Answers the next event POSTs with this instead (e.g. 503 server busy). */
  busy?: number;
}

export interface HecReceiver {
  url: string; // https://127.0.0.1:<port>/ (no path: the agent adds /services/collector/event)
  opts: HecOptions;
  indexed: HecEvent[];
  requests: Array<{ path: string; channel?: string | undefined; status: number; answer: any }>;
  ackQueries: number;
  close(): Promise<void>;
}

export async function startHec(certs: Certs, opts: HecOptions): Promise<HecReceiver> {
  const sockets = new Set<Socket>();
  const channels = new Map<string, { next: number; acks: Map<number, { queries: number }> }>();
  const rx: HecReceiver = {
    url: '',
    opts,
    indexed: [],
    requests: [],
    ackQueries: 0,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const handle = (
    path: string,
    headers: Record<string, string | string[] | undefined>,
    body: string,
  ): { status: number; answer: any; channel?: string | undefined } => {
    const auth = String(headers.authorization ?? '');
    if (!auth) return { status: 401, answer: { text: 'Token is required', code: 2 } };
    if (!auth.startsWith('Splunk ')) return { status: 401, answer: { text: 'Invalid authorization', code: 3 } };
    if (auth.slice(7) !== opts.token) return { status: 403, answer: { text: 'Invalid token', code: 4 } };
    const url = new URL(path, 'https://hec');
    const raw = opts.stripChannel
      ? undefined
      : ((headers['x-splunk-request-channel'] as string | undefined) ?? url.searchParams.get('channel') ?? undefined);
    const channel = raw || undefined;
    if (channel !== undefined && (!GUID.test(channel) || opts.badChannels?.has(channel)))
      return { status: 400, answer: { text: 'Invalid data channel', code: 11 }, channel };

    if (url.pathname === '/services/collector/ack') {
      if (!opts.ack) return { status: 400, answer: { text: 'ACK is disabled', code: 14 }, channel };
      if (!channel) return { status: 400, answer: { text: 'Data channel is missing', code: 10 } };
      let ids: unknown;
      try {
        ids = (JSON.parse(body) as { acks?: unknown }).acks;
      } catch {
        ids = undefined;
      }
      if (!Array.isArray(ids)) return { status: 400, answer: { text: 'Invalid data format', code: 6 }, channel };
      rx.ackQueries++;
      const ch = channels.get(channel);
      const acks: Record<string, boolean> = {};
      for (const id of ids) {
        const a = ch?.acks.get(Number(id));
        if (!a) {
          acks[String(id)] = false;
          continue;
        }
        a.queries++;
        const done = opts.ackAfterQueries !== 'never' && a.queries >= (opts.ackAfterQueries ?? 1);
        acks[String(id)] = done;
        if (done) ch!.acks.delete(Number(id)); // read once, then forgotten
      }
      return { status: 200, answer: { acks }, channel };
    }

    if (url.pathname !== '/services/collector/event')
      return { status: 404, answer: { text: 'The requested URL was not found on this server.', code: 404 } };
    if (opts.busy) {
      opts.busy--;
      return { status: 503, answer: { text: 'Server is busy', code: 9 }, channel };
    }
    if (opts.ack && !channel) return { status: 400, answer: { text: 'Data channel is missing', code: 10 } };
    if (body.trim() === '') return { status: 400, answer: { text: 'No data', code: 5 }, channel };
    const { objects, bad } = readConcatenatedJson(body);
    const events = objects as HecEvent[];
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      const refuse = (text: string, code: number) => ({ status: 400, answer: { text, code, 'invalid-event-number': i }, channel });
      if (!('event' in e)) return refuse('Event field is required', 12);
      if (e.event === '' || e.event === null) return refuse('Event field cannot be blank', 13);
      if (e.index !== undefined && !(opts.indexes ?? ['main']).includes(e.index)) return refuse('Incorrect index', 7);
      if (
        e.fields !== undefined &&
        (typeof e.fields !== 'object' || Object.values(e.fields).some((v) => typeof v === 'object' && !Array.isArray(v)))
      )
        return refuse('Error in handling indexed fields', 15);
      if (opts.badEvent?.(e)) return refuse('Invalid data format', 6);
      rx.indexed.push({ ...e, index: e.index ?? (opts.indexes ?? ['main'])[0] });
    }
    if (bad !== undefined) return { status: 400, answer: { text: 'Invalid data format', code: 6, 'invalid-event-number': bad }, channel };
    if (!opts.ack) return { status: 200, answer: { text: 'Success', code: 0 }, channel };
    let ch = channels.get(channel!);
    if (!ch) channels.set(channel!, (ch = { next: 0, acks: new Map() }));
    const ackId = ch.next++;
    ch.acks.set(ackId, { queries: 0 });
    return { status: 200, answer: { text: 'Success', code: 0, ackId }, channel };
  };

  const server = https.createServer({ key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const wire = Buffer.concat(chunks);
      let text: string;
      try {
        text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire).toString('utf8');
      } catch {
        text = '\0';
      }
      const out = handle(req.url ?? '/', req.headers, text);
      rx.requests.push({
        path: new URL(req.url ?? '/', 'https://hec').pathname,
        channel: out.channel,
        status: out.status,
        answer: out.answer,
      });
      res.writeHead(out.status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(out.answer));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  rx.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return rx;
}
