import type { FarmSettings } from './types.ts';
import { IpRanges, canonicalMac } from './net.ts';

export const DEFAULT_FARM_SETTINGS: Readonly<FarmSettings> = Object.freeze({
  windowHours: 24,
  macHighMin: 2,
  macCriticalMin: 3,
  publicIpMin: 3,
  ipv6PrefixLength: 64,
  office: { cidrs: [], gatewayMacs: [], bssids: [] },
  vpnEgressIps: [],
  expectedRegions: {},
});

/** Defaults filled in, every value checked; throws one line naming the first bad setting. */
export function farmSettings(partial: Partial<FarmSettings> = {}): FarmSettings {
  const s: FarmSettings = {
    ...DEFAULT_FARM_SETTINGS,
    ...partial,
    office: { ...DEFAULT_FARM_SETTINGS.office, ...(partial.office ?? {}) },
  };
  const num = (k: 'windowHours' | 'macHighMin' | 'macCriticalMin' | 'publicIpMin' | 'ipv6PrefixLength', min: number, max: number): void => {
    const v = s[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
      throw new Error(`farm.${k} must be a number from ${min} to ${max}`);
  };
  num('windowHours', 1 / 60, 24 * 366);
  num('macHighMin', 2, 1_000_000);
  num('macCriticalMin', 2, 1_000_000);
  num('publicIpMin', 2, 1_000_000);
  num('ipv6PrefixLength', 1, 128);
  if (s.macCriticalMin < s.macHighMin) throw new Error('farm.macCriticalMin must not be below farm.macHighMin');
  new IpRanges(s.office.cidrs, 'farm.office.cidrs');
  new IpRanges(s.vpnEgressIps, 'farm.vpnEgressIps');
  for (const [k, list] of [
    ['gatewayMacs', s.office.gatewayMacs],
    ['bssids', s.office.bssids],
  ] as const) {
    for (const m of list)
      if (!canonicalMac(m)) throw new Error(`farm.office.${k}: ${JSON.stringify(String(m).slice(0, 40))} is not a usable MAC address`);
  }
  return s;
}
