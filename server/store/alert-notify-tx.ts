import type { Kysely, Selectable, Transaction } from 'kysely';
import { addToCount } from './delivery-tx.ts';
import { alertRow } from './rows.ts';
import type { AlertNotificationsTable, DB } from './schema.ts';
import type { AlertNotificationRow, AlertRow, NotifierCounts } from './types.ts';

// One row per notification of an alert and notifier (jobs/alert-delivery.ts): made in the transaction that
// claims the alert, so a claimed notification is never without its rows; taken by a compare-and-set on its
// due time, so one caller at a time sends it; kept until taken or given up. Notifiers are told apart by name.

const DELIVERED_PREFIX = 'notify.delivered:'; // settings row per notifier: notifications taken, ever
const GAVE_UP_PREFIX = 'notify.gaveUp:'; // settings row per notifier: notifications given up, ever

function notificationRow(r: Selectable<AlertNotificationsTable>): AlertNotificationRow {
  return {
    id: Number(r.id),
    alertId: Number(r.alert_id),
    notifiedAt: r.notified_at,
    notifier: r.notifier,
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
    gaveUpAt: r.gave_up_at,
  };
}

/** True for exactly one caller per open alert (new or reopened): that caller's rows name every notifier. */
export async function claimAlertNotification(db: Kysely<DB>, id: number, at: string, notifiers: string[] = []): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const r = await tx
      .updateTable('alerts')
      .set({ notified_at: at })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .where('notified_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    if (notifiers.length) {
      await tx
        .insertInto('alert_notifications')
        .values(
          notifiers.map((notifier) => ({
            alert_id: id,
            notified_at: at,
            notifier,
            attempts: 0,
            next_attempt_at: at,
            last_error: null,
            delivered_at: null,
            gave_up_at: null,
          })),
        )
        .onConflict((oc) => oc.columns(['alert_id', 'notified_at', 'notifier']).doNothing())
        .execute();
    }
    return true;
  });
}

export async function alertNotificationsDue(
  db: Kysely<DB>,
  notifiers: string[] | undefined,
  now: string,
  limit: number,
): Promise<Array<AlertNotificationRow & { alert: AlertRow }>> {
  if (notifiers && !notifiers.length) return [];
  let q = db
    .selectFrom('alert_notifications as n')
    .innerJoin('alerts as a', 'a.id', 'n.alert_id')
    .selectAll('a')
    .select([
      'n.id as n_id',
      'n.notified_at as n_notified_at',
      'n.notifier as n_notifier',
      'n.attempts as n_attempts',
      'n.next_attempt_at as n_next_attempt_at',
      'n.last_error as n_last_error',
    ])
    .where('n.delivered_at', 'is', null)
    .where('n.gave_up_at', 'is', null)
    .where('n.next_attempt_at', '<=', now);
  if (notifiers) q = q.where('n.notifier', 'in', notifiers);
  const rows = await q.orderBy('n.id').limit(limit).execute();
  return rows.map((r) => ({
    ...notificationRow({
      id: r.n_id,
      alert_id: r.id,
      notified_at: r.n_notified_at,
      notifier: r.n_notifier,
      attempts: r.n_attempts,
      next_attempt_at: r.n_next_attempt_at,
      last_error: r.n_last_error,
      delivered_at: null,
      gave_up_at: null,
    }),
    alert: alertRow(r),
  }));
}

export async function takeAlertNotification(db: Kysely<DB>, id: number, dueAt: string, until: string): Promise<boolean> {
  const r = await db
    .updateTable('alert_notifications')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: until }))
    .where('id', '=', id)
    .where('next_attempt_at', '=', dueAt)
    .where('delivered_at', 'is', null)
    .where('gave_up_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function alertNotificationDelivered(db: Kysely<DB>, id: number, at: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const r = await tx
      .updateTable('alert_notifications')
      .set({ delivered_at: at, gave_up_at: null })
      .where('id', '=', id)
      .where('delivered_at', 'is', null)
      .returning('notifier')
      .executeTakeFirst();
    if (r) await addToCount(tx, `${DELIVERED_PREFIX}${r.notifier}`, 1);
  });
}

export async function alertNotificationFailed(
  db: Kysely<DB>,
  id: number,
  o: { nextAttemptAt: string; error: string; gaveUp: boolean; at: string; dueAt?: string },
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    // Not over a delivery that finished meanwhile (a send that outlived its hold, then another's success);
    // with `dueAt`, only while nobody took it since.
    let q = tx
      .updateTable('alert_notifications')
      .set({ next_attempt_at: o.nextAttemptAt, last_error: o.error.slice(0, 500), gave_up_at: o.gaveUp ? o.at : null })
      .where('id', '=', id)
      .where('delivered_at', 'is', null)
      .where('gave_up_at', 'is', null);
    if (o.dueAt !== undefined) q = q.where('next_attempt_at', '=', o.dueAt);
    const r = await q.returning('notifier').executeTakeFirst();
    if (r && o.gaveUp) await addToCount(tx, `${GAVE_UP_PREFIX}${r.notifier}`, 1);
  });
}

export async function alertNotificationsOrphaned(
  db: Kysely<DB>,
  configured: string[],
  before: string,
  at: string,
): Promise<AlertNotificationRow[]> {
  return db.transaction().execute(async (tx) => {
    let q = tx
      .updateTable('alert_notifications')
      .set({ gave_up_at: at })
      .where('delivered_at', 'is', null)
      .where('gave_up_at', 'is', null)
      .where('notified_at', '<', before)
      .where('next_attempt_at', '<=', at); // not while a round holds it
    if (configured.length) q = q.where('notifier', 'not in', configured);
    const rows = (await q.returningAll().execute()).map(notificationRow);
    for (const r of rows) await addToCount(tx, `${GAVE_UP_PREFIX}${r.notifier}`, 1);
    return rows;
  });
}

/** The notifications of these alerts (at most 500 ids), oldest first. */
export async function alertNotifications(db: Kysely<DB>, alertIds: number[]): Promise<AlertNotificationRow[]> {
  if (!alertIds.length) return [];
  const rows = await db
    .selectFrom('alert_notifications')
    .selectAll()
    .where('alert_id', 'in', alertIds.slice(0, 500))
    .orderBy('id')
    .execute();
  return rows.map(notificationRow);
}

export async function alertNotificationCounts(db: Kysely<DB>): Promise<Record<string, NotifierCounts>> {
  const out: Record<string, NotifierCounts> = {};
  const of = (n: string) => (out[n] ??= { waiting: 0, delivered: 0, gaveUp: 0, oldestWaitingAt: null });
  const waiting = await db
    .selectFrom('alert_notifications')
    .select(['notifier', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('notified_at').as('oldest')])
    .where('delivered_at', 'is', null)
    .where('gave_up_at', 'is', null)
    .groupBy('notifier')
    .execute();
  for (const w of waiting) Object.assign(of(w.notifier), { waiting: Number(w.n), oldestWaitingAt: w.oldest ?? null });
  const totals = await db
    .selectFrom('settings')
    .select(['key', 'value'])
    .where((eb) => eb.or([eb('key', 'like', `${DELIVERED_PREFIX}%`), eb('key', 'like', `${GAVE_UP_PREFIX}%`)]))
    .execute();
  for (const t of totals) {
    const gaveUp = t.key.startsWith(GAVE_UP_PREFIX);
    of(t.key.slice((gaveUp ? GAVE_UP_PREFIX : DELIVERED_PREFIX).length))[gaveUp ? 'gaveUp' : 'delivered'] = Number(t.value) || 0;
  }
  return out;
}

/** Retention: notifications taken or given up before `cutoff` go. */
export async function purgeAlertNotifications(db: Kysely<DB> | Transaction<DB>, cutoff: string): Promise<number> {
  const r = await db
    .deleteFrom('alert_notifications')
    .where((eb) => eb.or([eb('delivered_at', '<', cutoff), eb('gave_up_at', '<', cutoff)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
