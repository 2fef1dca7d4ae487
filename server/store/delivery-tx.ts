import { sql, type Kysely, type Transaction } from 'kysely';
import { alertRow } from './rows.ts';
import type { DB } from './schema.ts';
import type { AlertRow, OutboxInsert, OutboxRow, SiemBacklog, SiemSinkCounts } from './types.ts';

// What the server still owes the outside world: alerts not yet handed to the notifiers, and the SIEM
// outbox (events encoded for a sink, kept until the sink took them). Whoever sends claims or leases first.

const CURSOR_KEY = 'siem.reportCursor';
const DROPPED_PREFIX = 'siem.dropped:'; // settings row per sink: events dropped from a full outbox, ever
const DELIVERED_PREFIX = 'siem.delivered:'; // settings row per sink: events the sink took, ever

/** Open alerts no notifier has seen yet (new or reopened), oldest first. */
export async function alertsToNotify(db: Kysely<DB>, limit: number): Promise<AlertRow[]> {
  const rows = await db
    .selectFrom('alerts')
    .selectAll()
    .where('status', '=', 'open')
    .where('notified_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(alertRow);
}

/** Starts the report cursor at the newest stored report, unless it has started before (the first instance wins). */
export async function siemStart(db: Kysely<DB>): Promise<void> {
  const max = await db.selectFrom('reports').select(sql<string | number | null>`max(id)`.as('m')).executeTakeFirstOrThrow();
  await db
    .insertInto('settings')
    .values({ key: CURSOR_KEY, value: String(Number(max.m ?? 0)) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

/**
 * Reports with findings news (not heartbeats) stored after the cursor and received before `settledBefore`,
 * and alerts notified since they were last forwarded. The first call starts the cursor at the newest
 * report, so turning forwarding on does not replay the database's history.
 */
export async function siemBacklog(db: Kysely<DB>, settledBefore: string, limit: number): Promise<SiemBacklog> {
  await siemStart(db);
  const cursor =
    Number((await db.selectFrom('settings').select('value').where('key', '=', CURSOR_KEY).executeTakeFirstOrThrow()).value) || 0;
  // A report's row id is taken inside the ingest transaction; rows younger than the settle time may still
  // have a lower id uncommitted beside them (PostgreSQL), so the cursor only passes settled rows.
  const rows = await db
    .selectFrom('reports')
    .select(['id', 'kind', 'body'])
    .where('id', '>', cursor)
    .where('received_at', '<', settledBefore)
    .orderBy('id')
    .limit(limit)
    .execute();
  const alerts = await db
    .selectFrom('alerts')
    .selectAll()
    .where('notified_at', 'is not', null)
    .where((eb) => eb.or([eb('forwarded_at', 'is', null), eb('forwarded_at', '!=', eb.ref('notified_at'))]))
    .orderBy('id')
    .limit(limit)
    .execute();
  return {
    cursor,
    nextCursor: rows.length ? Number(rows.at(-1)!.id) : cursor,
    reports: rows.filter((r) => r.kind !== 'heartbeat').map((r) => r.body),
    alerts: alerts.map((a) => ({ ...alertRow(a), notifiedAt: a.notified_at as string })),
  };
}

/** Stores the encoded events, moves the cursor and marks the alerts forwarded, in one transaction. */
export async function siemEnqueue(
  db: Kysely<DB>,
  o: { items: OutboxInsert[]; cursor: number; nextCursor: number; alerts: Array<{ id: number; notifiedAt: string }>; at: string },
): Promise<number> {
  return db.transaction().execute(async (tx) => {
    let n = 0;
    for (let i = 0; i < o.items.length; i += 200) {
      const chunk = o.items.slice(i, i + 200).map((x) => ({
        sink: x.sink,
        event_key: x.key,
        body: x.body,
        created_at: o.at,
        attempts: 0,
        next_attempt_at: o.at,
        last_error: null,
        dead_at: null,
      }));
      const r = await tx
        .insertInto('siem_outbox')
        .values(chunk)
        .onConflict((oc) => oc.columns(['sink', 'event_key']).doNothing())
        .executeTakeFirst();
      n += Number(r.numInsertedOrUpdatedRows ?? 0);
    }
    if (o.nextCursor !== o.cursor) {
      await tx
        .updateTable('settings')
        .set({ value: String(o.nextCursor) })
        .where('key', '=', CURSOR_KEY)
        .where('value', '=', String(o.cursor))
        .execute();
    }
    for (const a of o.alerts) await tx.updateTable('alerts').set({ forwarded_at: a.notifiedAt }).where('id', '=', a.id).execute();
    return n;
  });
}

/** One sink's events whose time has come, oldest first. */
export async function siemDue(db: Kysely<DB>, sink: string, now: string, limit: number): Promise<OutboxRow[]> {
  const rows = await db
    .selectFrom('siem_outbox')
    .selectAll()
    .where('dead_at', 'is', null)
    .where('sink', '=', sink)
    .where('next_attempt_at', '<=', now)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    sink: r.sink,
    key: r.event_key,
    body: r.body,
    attempts: r.attempts,
    createdAt: r.created_at,
    lastError: r.last_error,
  }));
}

/** Taken by the sink: gone from the outbox, and counted in the sink's delivered total (same transaction). */
export async function siemDelivered(db: Kysely<DB>, ids: number[]): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const per = new Map<string, number>();
    for (let i = 0; i < ids.length; i += 500) {
      const gone = await tx
        .deleteFrom('siem_outbox')
        .where('id', 'in', ids.slice(i, i + 500))
        .returning('sink')
        .execute();
      for (const g of gone) per.set(g.sink, (per.get(g.sink) ?? 0) + 1);
    }
    for (const [sink, n] of per) await addToCount(tx, `${DELIVERED_PREFIX}${sink}`, n);
  });
}

/** Adds `n` to a count kept in a settings row, atomically (no read-then-write: concurrent adds all count). */
export async function addToCount(tx: Transaction<DB>, key: string, n: number): Promise<void> {
  await tx
    .insertInto('settings')
    .values({ key, value: String(n) })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({ value: sql<string>`cast(cast(settings.value as bigint) + cast(${n} as bigint) as text)` }),
    )
    .execute();
}

/** Not taken: tried again at `nextAttemptAt`, or never again when `dead` (kept with its error for people). */
export async function siemFailed(
  db: Kysely<DB>,
  ids: number[],
  o: { nextAttemptAt: string; error: string; dead: boolean; at: string },
): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await db
      .updateTable('siem_outbox')
      .set({
        attempts: sql<number>`attempts + 1`,
        next_attempt_at: o.nextAttemptAt,
        last_error: o.error.slice(0, 500),
        dead_at: o.dead ? o.at : null,
      })
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
  }
}

/** What each sink's outbox holds (waiting, refused for good, since when) and what it delivered and dropped, ever. */
export async function siemCounts(db: Kysely<DB>): Promise<Record<string, SiemSinkCounts>> {
  const rows = await db
    .selectFrom('siem_outbox')
    .select([
      'sink',
      sql<number>`count(*)`.as('n'),
      sql<number>`count(dead_at)`.as('dead'),
      sql<string | null>`min(case when dead_at is null then created_at end)`.as('oldest'),
    ])
    .groupBy('sink')
    .execute();
  const out: Record<string, SiemSinkCounts> = {};
  const of = (sink: string) => (out[sink] ??= { waiting: 0, dead: 0, delivered: 0, dropped: 0, oldestWaitingAt: null });
  for (const r of rows)
    Object.assign(of(r.sink), { waiting: Number(r.n) - Number(r.dead), dead: Number(r.dead), oldestWaitingAt: r.oldest ?? null });
  const totals = await db
    .selectFrom('settings')
    .select(['key', 'value'])
    .where((eb) => eb.or([eb('key', 'like', `${DROPPED_PREFIX}%`), eb('key', 'like', `${DELIVERED_PREFIX}%`)]))
    .execute();
  for (const t of totals) {
    const dropped = t.key.startsWith(DROPPED_PREFIX);
    const sink = t.key.slice((dropped ? DROPPED_PREFIX : DELIVERED_PREFIX).length);
    of(sink)[dropped ? 'dropped' : 'delivered'] = Number(t.value) || 0;
  }
  return out;
}

/**
 * Keeps at most `max` events of `sink` in the outbox: the oldest beyond go (waiting or refused alike) and
 * are added to the sink's dropped count, in one transaction. Returns how many were dropped now.
 */
export async function siemTrim(db: Kysely<DB>, sink: string, max: number): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const edge = await tx
      .selectFrom('siem_outbox')
      .select('id')
      .where('sink', '=', sink)
      .orderBy('id', 'desc')
      .offset(max)
      .limit(1)
      .executeTakeFirst();
    if (!edge) return 0;
    const n = Number(
      (await tx.deleteFrom('siem_outbox').where('sink', '=', sink).where('id', '<=', edge.id).executeTakeFirst()).numDeletedRows,
    );
    await addToCount(tx, `${DROPPED_PREFIX}${sink}`, n);
    return n;
  });
}
