import type { HostContext, OsName } from '../../model.ts';
import { clean } from '../../text.ts';
import type { Collector, CollectorContext } from '../types.ts';

// Small pieces the per-OS host-context collectors share. The context serves fleet-side correlation
// (many laptops behind one gateway, all set to the same far-away time zone and input method), so values
// are normalised to one spelling whatever OS reported them.

/** "0:1b:2c:a:b:c" (macOS arp), "00-1B-2C-0A-0B-0C" (Windows) -> "00:1b:2c:0a:0b:0c"; undefined when not a usable MAC. */
export function normalizeMac(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const parts = raw.trim().toLowerCase().split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-f]{1,2}$/.test(p))) return undefined;
  const mac = parts.map((p) => p.padStart(2, '0')).join(':');
  if (mac === '00:00:00:00:00:00' || mac === 'ff:ff:ff:ff:ff:ff') return undefined;
  return mac;
}

/** The IANA zone a /etc/localtime link points to ("/usr/share/zoneinfo/Asia/Seoul" -> "Asia/Seoul"). */
export function zoneFromLink(target: string): string | undefined {
  const i = target.indexOf('zoneinfo/');
  if (i < 0) return undefined;
  const zone = target.slice(i + 'zoneinfo/'.length).replace(/^(posix|right)\//, '');
  return /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(zone) ? zone : undefined;
}

/** The Wi-Fi fields of the context; the SSID comes from radio beacons, so it is escaped and bounded. */
export function wifiFields(ssid: string | undefined, bssid: string | undefined): Partial<HostContext> {
  const ctx: Partial<HostContext> = {};
  if (ssid) ctx.wifiSsid = clean(ssid.trim(), 128);
  const mac = normalizeMac(bssid);
  if (mac) ctx.wifiBssid = mac;
  return ctx;
}

/** The first wireless interface, in order, that reports a network; an idle one reads as empty. */
export async function firstWifi(
  devices: readonly string[],
  read: (dev: string) => Promise<Partial<HostContext>>,
): Promise<Partial<HostContext>> {
  for (const dev of devices) {
    const ctx = await read(dev);
    if (ctx.wifiSsid || ctx.wifiBssid) return ctx;
  }
  return {};
}

/** Drops absent and empty fields and removes duplicate input methods, keeping their order. */
export function finishContext(ctx: HostContext): HostContext {
  const out: HostContext = {};
  if (ctx.timezone) out.timezone = ctx.timezone;
  if (ctx.locale) out.locale = ctx.locale;
  const ims = [...new Set((ctx.inputMethods ?? []).filter(Boolean))];
  if (ims.length) out.inputMethods = ims.slice(0, 64);
  if (ctx.defaultGatewayMac) out.defaultGatewayMac = ctx.defaultGatewayMac;
  if (ctx.wifiSsid) out.wifiSsid = ctx.wifiSsid;
  if (ctx.wifiBssid) out.wifiBssid = ctx.wifiBssid;
  return out;
}

/**
 * Runs the independent parts of a context collector; one that fails costs only its own fields. When
 * nothing at all could be read, the collector fails with every reason on one line.
 */
export async function gatherContext(osName: string, parts: Record<string, () => Promise<Partial<HostContext>>>): Promise<HostContext> {
  const merged: HostContext = {};
  const settled = await Promise.allSettled(Object.values(parts).map((fn) => fn()));
  const names = Object.keys(parts);
  const errors: string[] = [];
  const results: Partial<HostContext>[] = [];
  settled.forEach((r, i) => {
    if (r.status === 'fulfilled') results.push(r.value);
    else errors.push(`${names[i]}: ${(r.reason instanceof Error ? r.reason.message : String(r.reason)).split('\n')[0]}`);
  });
  for (const r of results) {
    for (const [k, v] of Object.entries(r) as [keyof HostContext, never][]) {
      if (k === 'inputMethods') merged.inputMethods = [...(merged.inputMethods ?? []), ...((v as string[] | undefined) ?? [])];
      else if (v !== undefined && merged[k] === undefined) merged[k] = v;
    }
  }
  const ctx = finishContext(merged);
  if (Object.keys(ctx).length === 0 && errors.length) throw new Error(`${osName} host context: ${errors.join('; ')}`);
  return ctx;
}

/** The "<os>.context" collector: the named parts gathered as `gatherContext` does. */
export function contextCollector(
  os: OsName,
  parts: (ctx: CollectorContext) => Record<string, () => Promise<Partial<HostContext>>>,
): Collector {
  return {
    name: `${os}.context`,
    async collect(ctx) {
      return { context: await gatherContext(os, parts(ctx)) };
    },
  };
}
