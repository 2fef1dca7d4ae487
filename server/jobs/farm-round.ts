import { evaluateFarms, farmSettings, type FarmSettings, type HostSnapshot } from '../farm/index.ts';
import { createNotifier, notifyAll, type Notifier, type NotifierConfig } from '../notify/index.ts';
import type { Store } from '../store/types.ts';

// One laptop-farm round: settings from the database, snapshots from the store, server/farm's pure
// evaluation, alerts deduplicated per rule+subject, the groups kept for the console, and each alert that
// is new or reopened handed to the notifiers exactly once (the claim in the alerts row, across instances).

/** Settings as stored: JSON-safe (expected regions as an object, not a Map). */
export function farmSettingsJson(s: Partial<FarmSettings>): string {
  const regions = s.expectedRegions instanceof Map ? Object.fromEntries(s.expectedRegions) : s.expectedRegions;
  return JSON.stringify(farmSettings({ ...s, ...(regions ? { expectedRegions: regions } : {}) }));
}

export async function loadFarmSettings(store: Store, seed: Partial<FarmSettings>, at: string): Promise<FarmSettings> {
  const json = await store.farmSettingsOrInit(farmSettingsJson(seed), at);
  return farmSettings(JSON.parse(json) as Partial<FarmSettings>);
}

export interface FarmRoundOptions {
  store: Store;
  /** Seeds the stored settings on the first start; afterwards the stored ones (the console's) win. */
  seed: Partial<FarmSettings>;
  /** Notifiers from the server config; those stored in the database are added. */
  configNotifiers: NotifierConfig[];
  /** Link to an alert for people, when the server has a console. */
  alertUrl?: (id: number) => string;
  log: (line: string) => void;
}

export interface FarmRoundResult {
  groups: number;
  alerts: number;
  created: number;
  notified: number;
}

/** Builds the notifiers of this round; a bad stored entry is logged and left out, not fatal. */
export async function currentNotifiers(o: Pick<FarmRoundOptions, 'store' | 'configNotifiers' | 'log'>): Promise<Notifier[]> {
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
      o.log(`ratwatch-server: notifier left out: ${String((e as Error).message).split('\n')[0]}`);
    }
  }
  return out;
}

export async function farmRound(o: FarmRoundOptions, now: Date): Promise<FarmRoundResult> {
  const at = now.toISOString();
  const settings = await loadFarmSettings(o.store, o.seed, at);
  const since = new Date(now.getTime() - settings.windowHours * 3600_000).toISOString();
  const snapshots = (await o.store.hostSnapshots(since)) as HostSnapshot[];
  const { groups, alerts } = evaluateFarms(snapshots, settings, now);
  await o.store.replaceFarmGroups(
    groups.map((g) => ({ subject: g.subject, severity: g.severity, hostCount: g.hostCount, body: g })),
    at,
  );
  const res: FarmRoundResult = { groups: groups.length, alerts: alerts.length, created: 0, notified: 0 };
  const toSend = [];
  for (const draft of alerts) {
    const { id, created } = await o.store.upsertAlert(draft, at);
    if (created) res.created += 1;
    if (await o.store.claimAlertNotification(id, at))
      toSend.push({ ...draft, id: String(id), ...(o.alertUrl ? { url: o.alertUrl(id) } : {}) });
  }
  if (!toSend.length) return res;
  const notifiers = await currentNotifiers(o);
  for (const alert of toSend) {
    for (const r of await notifyAll(notifiers, alert)) {
      if (!r.ok) o.log(`ratwatch-server: alert ${alert.id} not delivered: ${r.error}`);
    }
    res.notified += 1;
  }
  return res;
}
