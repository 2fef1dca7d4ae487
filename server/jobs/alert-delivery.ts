import { errorLine } from '../../agent/log-line.ts';
import { createNotifier, notifyAll, type Notifier, type NotifierConfig, type NotifyAlert } from '../notify/index.ts';
import { alertKey } from '../siem/encode.ts';
import type { AlertRow, Store } from '../store/types.ts';

// The one sender of alerts: every alert that is open and not yet notified (liveness and tamper ones
// raised by ingest, the liveness job or a bad signature; laptop-farm ones raised by the farm round) goes
// to the notifiers once: the claim in its row lets exactly one instance send it, and a reopened alert is
// claimable again. The claim is kept, never a lease that runs out, so no round or instance takes an alert
// whose delivery is still in flight; a receiver sees it twice only through a notifier's retry after an
// attempt that failed or got no answer in time (notify/README.md, "Delivery").

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

export async function deliverPendingAlerts(o: AlertDeliveryOptions, now: Date): Promise<{ notified: number; failed: number }> {
  const at = now.toISOString();
  const res = { notified: 0, failed: 0 };
  const pending = await o.store.alertsToNotify(o.maxPerRound ?? 200);
  if (!pending.length) return res;
  const claimed: AlertRow[] = [];
  for (const a of pending) if (await o.store.claimAlertNotification(a.id, at)) claimed.push(a);
  if (!claimed.length) return res;
  const notifiers = await currentNotifiers(o);
  for (const a of claimed) {
    const alert = notifyAlertOf(a, at, o.alertUrl?.(a.id));
    let ok = true;
    for (const r of await notifyAll(notifiers, alert)) {
      if (!r.ok) {
        ok = false;
        o.log(`ratwatch-server: alert ${alert.id} not delivered: ${r.error}`);
      }
    }
    if (ok) res.notified += 1;
    else res.failed += 1;
  }
  return res;
}
