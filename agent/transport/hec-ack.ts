import { randomUUID } from 'node:crypto';
import type { AxiosResponse } from 'axios';
import { oneLine } from '../config/errors.ts';
import { stderrLine } from '../log-line.ts';
import type { EndpointConfig } from '../config/types.ts';
import { sleep } from '../daemon/sleep.ts';
import { toHecEvents } from '../report/splunk.ts';
import type { NativeReport } from '../report/types.ts';
import type { ClientDeps, ReportClient, SendResult } from './client.ts';

// Splunk HEC delivery with indexer acknowledgment (Splunk docs: "About HTTP Event Collector Indexer
// Acknowledgment", "Format events for HTTP Event Collector", "Troubleshoot HTTP Event Collector").
// Every request names a channel (X-Splunk-Request-Channel, one GUID per agent, kept in the spool dir):
// a token with indexer acknowledgment refuses requests without one (code 10). Such a token answers a
// send with an ackId; the report counts as delivered only once POST /services/collector/ack on the same
// channel says that ackId is indexed. Until then the report stays in the spool with its ackId recorded,
// and later deliveries ask again; one still unacknowledged after hecAckTimeoutSeconds is sent again
// (Splunk forgets ack state on restart or channel clean-up). A token without acknowledgment answers
// without an ackId and the 200 is the delivery, as before.
//
// Splunk indexes a batch event by event and stops at the first bad one ("invalid-event-number": n, the
// n events before it are in the index): the count is recorded so that a resend of the report (after a
// requeue) starts after them instead of indexing them twice.

export const CHANNEL_HEADER = 'x-splunk-request-channel';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_STATE_ENTRIES = 1000; // reports the spool evicted never clear their entry; keep the file small
const MAX_POLLS = 40;

/** HEC status codes ("code" in the JSON answer) this client acts on. */
export const HEC_CODE = {
  success: 0,
  invalidDataFormat: 6,
  internalError: 8,
  serverBusy: 9,
  dataChannelMissing: 10,
  invalidDataChannel: 11,
  ackDisabled: 14,
  unhealthyQueuesFull: 18,
  unhealthyAckUnavailable: 19,
  unhealthyBoth: 20,
} as const;
const TRANSIENT_CODES = new Set<number>([
  HEC_CODE.internalError,
  HEC_CODE.serverBusy,
  HEC_CODE.unhealthyQueuesFull,
  HEC_CODE.unhealthyAckUnavailable,
  HEC_CODE.unhealthyBoth,
]);

interface Pending {
  ackId: number;
  sentAt: number; // epoch ms
}

interface HecState {
  schema: 'ratwatch.hec/1';
  pending: Record<string, Pending>; // reportId -> send awaiting its acknowledgment
  indexed: Record<string, { count: number; at: number }>; // reportId -> leading events HEC indexed before refusing one
}

interface HecAnswer {
  code?: number | undefined;
  text?: string | undefined;
  ackId?: number | undefined;
  invalidEvent?: number | undefined;
  /** The ack endpoint's {ackId: indexed} map, as sent. */
  acks?: unknown;
}

type AckStatus = 'acked' | 'ack-disabled' | 'bad-channel' | 'not-yet' | { error: string; retryAfterMs?: number };

/** The fields of a HEC answer body that ratwatch acts on; {} when it is not a JSON object. */
export function parseAnswer(body: unknown): HecAnswer {
  if (typeof body !== 'string') return {};
  let j: unknown;
  try {
    j = JSON.parse(body);
  } catch {
    return {};
  }
  if (typeof j !== 'object' || j === null) return {};
  const o = j as Record<string, unknown>;
  const int = (v: unknown) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : undefined);
  return {
    code: int(o.code),
    text: typeof o.text === 'string' ? o.text : undefined,
    ackId: int(o.ackId),
    invalidEvent: int(o['invalid-event-number']),
    acks: o.acks,
  };
}

/** The ack endpoint next to the configured event endpoint (a path prefix in front of /services/collector is kept). */
export function ackUrl(eventUrl: URL): URL {
  const u = new URL(eventUrl.toString());
  u.search = '';
  const m = /^(.*\/services\/collector)(\/event(\/1\.0)?|\/raw(\/1\.0)?)?\/?$/.exec(u.pathname);
  u.pathname = m ? `${m[1]}/ack` : '/services/collector/ack';
  return u;
}

function emptyState(): HecState {
  return { schema: 'ratwatch.hec/1', pending: {}, indexed: {} };
}

function stateProblem(v: unknown): string | undefined {
  const s = v as Partial<HecState> | null;
  const ok =
    s?.schema === 'ratwatch.hec/1' &&
    typeof s.pending === 'object' &&
    s.pending !== null &&
    typeof s.indexed === 'object' &&
    s.indexed !== null;
  return ok ? undefined : 'not a ratwatch.hec/1 record';
}

export class HecDelivery {
  private readonly ackUrl: URL;
  private memState?: HecState; // without a state dir
  private channel?: string;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly waitMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly client: ReportClient,
    private readonly eventUrl: URL,
    private readonly ep: EndpointConfig,
    private readonly deps: ClientDeps,
  ) {
    this.ackUrl = ackUrl(eventUrl);
    this.log = deps.log ?? stderrLine;
    this.now = deps.now ?? Date.now;
    // a Config built by hand (not by loadConfig) may lack them
    this.waitMs = ep.hecAckWaitMs ?? 5_000;
    this.timeoutMs = (ep.hecAckTimeoutSeconds ?? 300) * 1000;
  }

  /** This agent's channel: read once per session, made and kept the first time. */
  async channelId(): Promise<string> {
    if (this.channel) return this.channel;
    const stored = ((await this.deps.records?.record('hecChannel').read()) ?? '').trim();
    if (UUID.test(stored)) return (this.channel = stored.toLowerCase());
    return this.newChannel();
  }

  private async newChannel(): Promise<string> {
    this.channel = randomUUID();
    await this.deps.records?.record('hecChannel').write(`${this.channel}\n`);
    return this.channel;
  }

  private async load(): Promise<HecState> {
    if (this.memState) return this.memState;
    const record = this.deps.records?.record('hecState');
    if (!record) return (this.memState = emptyState());
    // missing or damaged: start empty; the worst case is one resend of a report awaiting its ack
    return (await record.readJson<HecState>(stateProblem)).value ?? emptyState();
  }

  private async save(s: HecState): Promise<void> {
    for (const key of ['pending', 'indexed'] as const) {
      const entries = Object.entries(s[key] as Record<string, { sentAt?: number; at?: number }>);
      if (entries.length > MAX_STATE_ENTRIES) {
        entries.sort((a, b) => (a[1].sentAt ?? a[1].at ?? 0) - (b[1].sentAt ?? b[1].at ?? 0));
        for (const [id] of entries.slice(0, entries.length - MAX_STATE_ENTRIES)) delete s[key][id];
      }
    }
    const record = this.deps.records?.record('hecState');
    if (record) await record.writeJson(s);
    else this.memState = s;
  }

  private async forget(s: HecState, reportId: string): Promise<void> {
    if (!(reportId in s.pending) && !(reportId in s.indexed)) return;
    delete s.pending[reportId];
    delete s.indexed[reportId];
    await this.save(s);
  }

  private describe(res: AxiosResponse<string>): { result: SendResult; answer: HecAnswer } {
    const answer = parseAnswer(res.data);
    let result = this.client.classify(res);
    if (result.outcome === 'rejected' && answer.code !== undefined && TRANSIENT_CODES.has(answer.code)) {
      result = { outcome: 'retry', reason: result.reason };
    }
    return { result, answer };
  }

  /** One ack query. */
  private async queryAck(ackId: number): Promise<AckStatus> {
    const channel = await this.channelId();
    // a few bytes: sent as they are
    const res = await this.client.post(
      this.ackUrl,
      Buffer.from(JSON.stringify({ acks: [ackId] })),
      undefined,
      { [CHANNEL_HEADER]: channel },
      false,
    );
    if ('error' in res) return { error: res.error };
    const { result, answer } = this.describe(res);
    if (result.outcome === 'delivered') {
      const { acks } = answer;
      if (typeof acks !== 'object' || acks === null) return { error: `POST ${this.ackUrl.pathname}: answer without an "acks" object` };
      return (acks as Record<string, unknown>)[String(ackId)] === true ? 'acked' : 'not-yet';
    }
    if (answer.code === HEC_CODE.ackDisabled) return 'ack-disabled';
    if (answer.code === HEC_CODE.invalidDataChannel || answer.code === HEC_CODE.dataChannelMissing) return 'bad-channel';
    return {
      error: result.outcome === 'retry' || result.outcome === 'rejected' ? result.reason : 'unexpected answer',
      ...(result.outcome === 'retry' && result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
    };
  }

  /** Asks until the ack arrives or budgetMs has passed (at most MAX_POLLS queries), waiting longer between each. */
  private async awaitAck(ackId: number, budgetMs: number): Promise<AckStatus> {
    const deadline = this.now() + budgetMs;
    let pause = 250;
    for (let i = 0; i < MAX_POLLS; i++) {
      const st = await this.queryAck(ackId);
      if (st !== 'not-yet') return st;
      const left = deadline - this.now();
      if (left <= 0) return st;
      await sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, 2000);
    }
    return 'not-yet';
  }

  async send(r: NativeReport): Promise<SendResult> {
    const state = await this.load();
    const id = r.reportId;
    const pending = state.pending[id];
    if (pending) {
      const st = await this.awaitAck(pending.ackId, this.waitMs);
      const settled = await this.settle(state, r, pending, st);
      if (settled) return settled;
      // no acknowledgment in time, or a channel HEC no longer knows: send again (ratwatch_event_id tells the copies apart)
    }

    const events = toHecEvents(r, { index: this.ep.index, fields: this.ep.fields });
    const from = state.indexed[id]?.count ?? 0;
    if (from >= events.length) {
      await this.forget(state, id);
      return { outcome: 'delivered', status: 200 };
    }
    const channel = await this.channelId();
    const res = await this.client.post(this.eventUrl, Buffer.from(events.slice(from).join('\n')), r, { [CHANNEL_HEADER]: channel });
    if ('error' in res) return { outcome: 'retry', reason: res.error };
    const { result, answer } = this.describe(res);

    if (result.outcome === 'delivered') {
      if (answer.ackId === undefined) {
        await this.forget(state, id);
        return result;
      }
      const p: Pending = { ackId: answer.ackId, sentAt: this.now() };
      state.pending[id] = p;
      await this.save(state);
      await sleep(Math.min(200, this.waitMs)); // the indexer rarely confirms within the same millisecond
      const st = await this.awaitAck(p.ackId, this.waitMs);
      return (
        (await this.settle(state, r, p, st === 'bad-channel' ? { error: 'HEC refused the channel it just issued an ackId on' } : st)) ??
        this.waiting(p)
      );
    }

    if (answer.invalidEvent !== undefined && answer.invalidEvent > 0) {
      state.indexed[id] = { count: from + answer.invalidEvent, at: this.now() };
      await this.save(state);
    }
    if (answer.code === HEC_CODE.invalidDataChannel) {
      const old = channel;
      await this.newChannel();
      return { outcome: 'retry', reason: `${result.reason}; HEC refused channel ${old}, a new one is used from now on` };
    }
    return result;
  }

  /** The outcome of a pending send's ack status, or undefined when the report must be sent again. */
  private async settle(state: HecState, r: NativeReport, p: Pending, st: AckStatus): Promise<SendResult | undefined> {
    if (st === 'acked') {
      await this.forget(state, r.reportId);
      return { outcome: 'delivered', status: 200 };
    }
    if (st === 'ack-disabled') {
      // HEC took the events (200 with an ackId) and the token has since lost acknowledgment: that 200 is
      // all a token without it ever gives, so the report counts as delivered rather than sent twice.
      this.log(
        `ratwatch: report ${r.sequence} (${r.reportId}): HEC says acknowledgment is now disabled for this token; counted as delivered on its earlier 200`,
      );
      await this.forget(state, r.reportId);
      return { outcome: 'delivered', status: 200 };
    }
    if (st === 'bad-channel') {
      this.log(`ratwatch: report ${r.sequence} (${r.reportId}): HEC does not know channel ${this.channel}; sending again on a new one`);
      await this.newChannel();
      delete state.pending[r.reportId];
      await this.save(state);
      return undefined;
    }
    if (st !== 'not-yet')
      return {
        outcome: 'retry',
        reason: `waiting for the acknowledgment of ackId ${p.ackId}: ${oneLine(st.error, 200)}`,
        ...(st.retryAfterMs !== undefined ? { retryAfterMs: st.retryAfterMs } : {}),
      };
    const age = this.now() - p.sentAt;
    if (age < this.timeoutMs) return this.waiting(p);
    this.log(
      `ratwatch: report ${r.sequence} (${r.reportId}): no acknowledgment of ackId ${p.ackId} after ${Math.round(age / 1000)} s; sending it again`,
    );
    delete state.pending[r.reportId];
    await this.save(state);
    return undefined;
  }

  private waiting(p: Pending): SendResult {
    const age = Math.max(0, Math.round((this.now() - p.sentAt) / 1000));
    return {
      outcome: 'retry',
      reason: `POST ${this.eventUrl.pathname}: accepted, not yet acknowledged by the indexer (ackId ${p.ackId}, sent ${age} s ago); kept in the spool`,
    };
  }
}
