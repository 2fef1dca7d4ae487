import { errorLine } from '../../agent/log-line.ts';
import { hasFindings, storedReport, type SiemEvent } from '../siem/encode.ts';
import type { SiemSink } from '../siem/sinks.ts';
import type { OutboxInsert, OutboxRow, Store } from '../store/types.ts';
import type { SiemRoundResult } from './periodic.ts';
import { retryDelay } from '../notify/retry.ts';

// One SIEM forwarding round (run under the periodic job's 'siem-forwarding' lease, so by one instance at
// a time): first the outbox is filled from reports stored since the cursor and alerts notified since
// they were last forwarded (events, cursor and marks in one transaction: nothing is skipped, nothing
// enqueued twice), then what is due is sent per sink in batches. A sent batch leaves the outbox only
// once the sink answered 2xx (and, for HEC with ack on, once the ack endpoint says it is indexed); a failed
// one waits, doubling from retryBaseMs up to retryMaxMs. Each sink's outbox is capped at maxQueued events.

export interface SiemRoundOptions {
  store: Store;
  sinks: SiemSink[];
  log: (line: string) => void;
  /** A report is forwarded once it is this old (see store/delivery-tx.ts siemBacklog); default 60 s. */
  settleMs?: number;
  /** Reports and alerts taken into the outbox per round; default 200 each. */
  backlogLimit?: number;
}

async function fill(o: SiemRoundOptions, now: Date): Promise<number> {
  const at = now.toISOString();
  const b = await o.store.siemBacklog(new Date(now.getTime() - (o.settleMs ?? 60_000)).toISOString(), o.backlogLimit ?? 200);
  const items: OutboxInsert[] = [];
  const add = (sink: string, events: SiemEvent[]) => {
    for (const e of events) items.push({ sink, key: e.key, body: e.body });
  };
  for (const body of b.reports) {
    const r = storedReport(body);
    if (!r || !hasFindings(r)) continue;
    for (const s of o.sinks) {
      if (!s.forwards.findings) continue;
      try {
        add(s.name, s.reportEvents(r));
      } catch (e) {
        o.log(`ratwatch-server: siem ${s.name}: report ${r.reportId} not encoded: ${errorLine(e)}`);
      }
    }
  }
  for (const a of b.alerts) for (const s of o.sinks) if (s.forwards.alerts) add(s.name, [s.alertEvent(a)]);
  if (!items.length && b.nextCursor === b.cursor && !b.alerts.length) return 0;
  return o.store.siemEnqueue({
    items,
    cursor: b.cursor,
    nextCursor: b.nextCursor,
    alerts: b.alerts.map((a) => ({ id: a.id, notifiedAt: a.notifiedAt })),
    at,
  });
}

async function drain(o: SiemRoundOptions, now: Date, deadline: number, res: SiemRoundResult): Promise<void> {
  const at = now.toISOString();
  for (const sink of o.sinks) {
    // Bounded: at most 20 batches per sink and round, and never past the round's time budget.
    for (let n = 0; n < 20 && Date.now() < deadline; n++) {
      const due: OutboxRow[] = await o.store.siemDue(sink.name, at, sink.batch);
      if (!due.length) break;
      const out = await sink.send(due.map((r) => r.body));
      if (out.ok) {
        await o.store.siemDelivered(due.map((r) => r.id));
        res.sent += due.length;
        continue;
      }
      const taken = due.slice(0, out.taken);
      const dead = due.slice(out.taken, out.taken + out.dead);
      const waiting = due.slice(out.taken + out.dead);
      if (taken.length) await o.store.siemDelivered(taken.map((r) => r.id));
      res.sent += taken.length;
      if (dead.length) {
        await o.store.siemFailed(
          dead.map((r) => r.id),
          { nextAttemptAt: at, error: out.reason, dead: true, at },
        );
        o.log(`ratwatch-server: siem ${sink.name}: ${dead.length} event(s) refused for good, kept in the outbox: ${out.reason}`);
      }
      if (waiting.length && !(out.taken || out.dead)) {
        const attempts = Math.max(...waiting.map((r) => r.attempts));
        const wait = retryDelay(attempts, sink.retryBaseMs, sink.retryMaxMs, out.retryAfterMs);
        await o.store.siemFailed(
          waiting.map((r) => r.id),
          { nextAttemptAt: new Date(now.getTime() + wait).toISOString(), error: out.reason, dead: false, at },
        );
        res.failed += waiting.length;
        o.log(
          `ratwatch-server: siem ${sink.name}: ${waiting.length} event(s) wait, next try in ${Math.round(wait / 1000)} s: ${out.reason}`,
        );
        break; // this sink is failing: the others still get their turn
      }
    }
  }
}

export async function siemRound(o: SiemRoundOptions, now: Date, budgetMs: number): Promise<SiemRoundResult> {
  const res: SiemRoundResult = { enqueued: 0, sent: 0, failed: 0, dropped: 0 };
  if (!o.sinks.length) return res;
  res.enqueued = await fill(o, now);
  for (const sink of o.sinks) {
    // Oldest first: after a long outage the SIEM gets the recent activity; what was dropped is still
    // in the server (console, API, reports within retention) and the count says there is a gap.
    const n = await o.store.siemTrim(sink.name, sink.maxQueued);
    if (!n) continue;
    res.dropped += n;
    o.log(`ratwatch-server: siem ${sink.name}: outbox full (${sink.maxQueued} events): dropped the ${n} oldest; see GET /api/siem`);
  }
  await drain(o, now, Date.now() + budgetMs, res);
  return res;
}
