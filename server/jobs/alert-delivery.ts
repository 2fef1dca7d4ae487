import { errorLine } from '../../agent/log-line.ts';
import { createNotifier, notifyAll, type Notifier, type NotifierConfig, type NotifyAlert } from '../notify/index.ts';
import { longestSendMs, retryDelay } from '../notify/retry.ts';
import { alertKey } from '../siem/encode.ts';
import type { AlertRow, Store } from '../store/types.ts';

// The one sender of alerts: every alert that is open and not yet notified (liveness and tamper ones
// raised by ingest, the liveness job or a bad signature; laptop-farm ones raised by the farm round) is
// claimed once in its row (a reopened alert is claimable again), and the claim makes one notification per
// notifier (store/alert-notify-tx.ts). Each is taken by one round of one instance, for longer than its send
// can last, and kept until its notifier took it: a failed one is tried again in later rounds, waiting
// longer each time, until the notifier's giveUpAfterMs; notifiers that took it are not sent it again
// (notify/README.md, "Delivery").

export interface AlertDeliveryOptions {
  store: Store;
  configNotifiers: NotifierConfig[];
  alertUrl?: (id: number) => string;
  log: (line: string) => void;
  /** Most alerts sent in one round; the rest wait for the next. */
  maxPerRound?: number;
}

/** Builds the notifiers of this round; a bad stored entry is logged and left out, not fatal. */
export async function currentNotifiers(o: Pick<AlertDeliveryOptions, 'store' | 'configNotifiers' | 'log'>): Promise<Notifier[]> {
  const out: Notifier[] = [];
  const names = new Set<string>();
  const stored = (await o.store.listNotifiers()).map((r) => ({ ...(r.config as NotifierConfig), name: r.name }));
  for (const c of [...o.configNotifiers, ...stored]) {
    try {
      const n = createNotifier(c, o.log);
      if (names.has(n.name)) throw new Error(`two notifiers are named ${JSON.stringify(n.name)}`);
      names.add(n.name);
      out.push(n);
    } catch (e) {
      o.log(`ratwatch-server: notifier left out: ${errorLine(e)}`);
    }
  }
  return out;
}

/** The alert as the notifiers get it; `notifiedAt` is the time of its claim, which names this notification. */
export function notifyAlertOf(a: AlertRow, notifiedAt: string, url?: string): NotifyAlert {
  return {
    rule: a.rule,
    subject: a.subject,
    severity: a.severity,
    title: a.title,
    explanation: a.explanation,
    agentIds: a.agentIds,
    id: String(a.id),
    ...(url ? { url } : {}),
    notificationId: alertKey({ ...a, notifiedAt }),
  } as NotifyAlert;
}

/** Waits between rounds' sends of one notification: 1 min doubling to 1 h (retryDelay, as the SIEM outbox). */
export const ROUND_RETRY_BASE_MS = 60_000;
export const ROUND_RETRY_MAX_MS = 3_600_000;
/** A notifier no longer configured: its waiting notifications are given up once this old. */
const ORPHAN_GIVE_UP_MS = 86_400_000;
/** Added to a send's longest duration when a round takes a notification: clock drift between instances. */
const HOLD_MARGIN_MS = 60_000;

export interface DeliveryRoundResult {
  /** Alerts all of whose notifications sent this round were taken. */
  notified: number;
  /** Alerts with a notification not taken this round (tried again later, or given up). */
  failed: number;
  /** Notifications given up this round. */
  gaveUp: number;
}

export async function deliverPendingAlerts(o: AlertDeliveryOptions, now: Date): Promise<DeliveryRoundResult> {
  const at = now.toISOString();
  const started = Date.now(); // `now` is the round's start (a test's clock); holds also count the time spent since
  const res = { notified: 0, failed: 0, gaveUp: 0 };
  const limit = o.maxPerRound ?? 200;
  const pending = await o.store.alertsToNotify(limit);
  // Nothing to claim and nothing waiting: no notifiers are built (a bad stored one would be logged every round).
  if (!pending.length && !(await o.store.alertNotificationsDue(undefined, at, 1)).length) return res;
  const notifiers = await currentNotifiers(o);
  const names = notifiers.map((n) => n.name);
  for (const a of pending) await o.store.claimAlertNotification(a.id, at, names);
  for (const g of await o.store.alertNotificationsOrphaned(names, new Date(now.getTime() - ORPHAN_GIVE_UP_MS).toISOString(), at)) {
    res.gaveUp += 1;
    o.log(`ratwatch-server: alert ${g.alertId} not delivered: notifier ${g.notifier} is no longer configured; given up`);
  }
  const due = await o.store.alertNotificationsDue(names, at, limit * Math.max(1, names.length));
  const byAlert = new Map<string, typeof due>();
  for (const d of due) {
    const key = alertKey({ id: d.alertId, notifiedAt: d.notifiedAt });
    byAlert.set(key, [...(byAlert.get(key) ?? []), d]);
  }
  // A notifier that failed this round is not sent the other alerts in it: a sink that is down would
  // otherwise cost every waiting alert its full in-round retries, one after the other, each round.
  const failing = new Map<string, string>(); // notifier -> this round's error
  const failed = async (d: (typeof due)[number], n: Notifier, error: string, sent: boolean): Promise<void> => {
    const attempts = d.attempts + (sent ? 1 : 0);
    const gaveUp = now.getTime() - Date.parse(d.notifiedAt) >= n.delivery.giveUpAfterMs;
    if (!sent && !gaveUp) return; // still due: the next round tries it
    const wait = retryDelay(attempts - 1, ROUND_RETRY_BASE_MS, ROUND_RETRY_MAX_MS);
    const next = new Date(now.getTime() + wait).toISOString();
    // Given up unsent only while nobody holds it (its due time has not moved since it was read).
    await o.store.alertNotificationFailed(d.id, { nextAttemptAt: next, error, gaveUp, at, ...(sent ? {} : { dueAt: d.nextAttemptAt }) });
    if (gaveUp) {
      res.gaveUp += 1;
      o.log(
        `ratwatch-server: alert ${d.alertId} not delivered: ${error}; given up after ${attempts} sends since ${d.notifiedAt} (see GET /api/notifications)`,
      );
    } else o.log(`ratwatch-server: alert ${d.alertId} not delivered: ${error}; next try in ${Math.round(wait / 1000)} s`);
  };
  for (const rows of byAlert.values()) {
    let ok = 0;
    let bad = 0;
    await Promise.all(
      rows.map(async (d) => {
        const n = notifiers.find((x) => x.name === d.notifier)!;
        const skipped = failing.get(n.name);
        if (skipped !== undefined) {
          bad += 1;
          return failed(d, n, skipped, false);
        }
        const until = new Date(now.getTime() + (Date.now() - started) + longestSendMs(n.delivery) + HOLD_MARGIN_MS).toISOString();
        // Taken by exactly one round of one instance; the others find it held until `until`.
        if (!(await o.store.takeAlertNotification(d.id, d.nextAttemptAt, until))) return;
        const [r] = await notifyAll([n], notifyAlertOf(d.alert, d.notifiedAt, o.alertUrl?.(d.alertId)));
        if (r.ok) {
          await o.store.alertNotificationDelivered(d.id, at);
          ok += 1;
          return;
        }
        bad += 1;
        failing.set(n.name, r.error ?? n.name);
        await failed(d, n, r.error ?? n.name, true);
      }),
    );
    if (bad) res.failed += 1;
    else if (ok) res.notified += 1;
  }
  return res;
}
