import { evaluateFarms, farmSettings, type FarmSettings, type HostSnapshot } from '../farm/index.ts';
import type { Store } from '../store/types.ts';

// One laptop-farm round: settings from the database, snapshots from the store, server/farm's pure
// evaluation, alerts deduplicated per rule+subject and the groups kept for the console. Sending is not
// done here: jobs/alert-delivery.ts is the one owner of notifications, for farm alerts as for the others.

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
}

export interface FarmRoundResult {
  groups: number;
  alerts: number;
  created: number;
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
  const res: FarmRoundResult = { groups: groups.length, alerts: alerts.length, created: 0 };
  for (const draft of alerts) if ((await o.store.upsertAlert(draft, at)).created) res.created += 1;
  return res;
}
