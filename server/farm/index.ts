// The laptop-farm correlation the server core calls: pure functions over host snapshots.
export type * from './types.ts';
export { evaluateFarms, REMOTE_ACCESS_CATEGORIES, MAX_LISTED } from './evaluate.ts';
export { DEFAULT_FARM_SETTINGS, farmSettings } from './settings.ts';
export { parseRegionsCsv, type RegionsCsv } from './regions-csv.ts';
export { normalizeUser } from './users.ts';
export { canonicalMac, canonicalIp } from './net.ts';
