import type { HostContext } from '../../model.ts';
import type { Runner } from '../../runner.ts';
import type { Collector } from '../types.ts';
import { clean } from '../../text.ts';
import { contextCollector, firstWifi, normalizeMac, wifiFields, zoneFromLink } from '../common/host-context.ts';
import { isDict, parsePlist, type PlistValue } from '../common/plist.ts';

// Host context on macOS. The agent runs as root, so per-user settings are read from each user's
// preference files (binary plists) rather than with `defaults`, which would answer for root:
// ~/Library/Preferences/com.apple.HIToolbox.plist (AppleEnabledInputSources: the Korean 2-Set IME is
// "com.apple.inputmethod.Korean.2SetKorean") and .GlobalPreferences.plist (AppleLocale).
// Time zone: the /etc/localtime link (what `systemsetup -gettimezone` reports, without needing it).
// Gateway: `route -n get default` then `arp -n <gateway>`.
// Wi-Fi: `ipconfig getsummary <wifi device>`. Since macOS 14.4/15 it prints "<redacted>" for SSID and
// BSSID unless the caller has Location Services permission; those fields are then left out. The
// `airport` tool is gone from macOS 14.4 and `wdutil info` needs root and redacts the same way.

const MAX_USERS = 32;
const PREFS_MAX = 4 * 1024 * 1024;
const SKIP_USERS = new Set(['Shared', 'Guest', 'Deleted Users']);

async function timezone(runner: Runner): Promise<Partial<HostContext>> {
  const zone = zoneFromLink(await runner.readLink('/etc/localtime'));
  if (!zone) throw new Error('/etc/localtime does not point into a zoneinfo directory');
  return { timezone: zone };
}

async function prefs(runner: Runner, path: string): Promise<Record<string, PlistValue> | undefined> {
  try {
    const v = parsePlist(await runner.readFile(path, PREFS_MAX));
    return isDict(v) ? v : undefined;
  } catch {
    return undefined; // no such preference file, or not readable as a plist
  }
}

/** AppleEnabledInputSources entries -> input mode / input method bundle / "keylayout:<name>". */
export function inputSources(v: PlistValue | undefined): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const e of v) {
    if (!isDict(e)) continue;
    const mode = e['Input Mode'];
    const bundle = e['Bundle ID'];
    const layout = e['KeyboardLayout Name'];
    if (typeof mode === 'string') out.push(mode);
    else if (typeof bundle === 'string') out.push(bundle);
    else if (typeof layout === 'string') out.push(`keylayout:${layout}`);
  }
  return out.map((s) => clean(s.trim(), 128));
}

async function users(runner: Runner): Promise<Partial<HostContext>> {
  const names = (await runner.readDir('/Users'))
    .filter((e) => !e.isFile && !e.name.startsWith('.') && !SKIP_USERS.has(e.name))
    .map((e) => e.name)
    .sort()
    .slice(0, MAX_USERS);
  const ctx: Partial<HostContext> = { inputMethods: [] };
  for (const u of names) {
    const hi = await prefs(runner, `/Users/${u}/Library/Preferences/com.apple.HIToolbox.plist`);
    if (hi) ctx.inputMethods!.push(...inputSources(hi.AppleEnabledInputSources));
    const g = await prefs(runner, `/Users/${u}/Library/Preferences/.GlobalPreferences.plist`);
    const loc = g?.AppleLocale;
    if (!ctx.locale && typeof loc === 'string' && loc.trim()) ctx.locale = clean(loc.trim(), 64);
  }
  return ctx;
}

/** `route -n get default`: "    gateway: 192.168.1.1" and "  interface: en0". */
export function parseRouteGet(out: string): { gateway?: string | undefined; iface?: string | undefined } {
  return {
    gateway: /^\s*gateway:\s*(\S+)/m.exec(out)?.[1],
    iface: /^\s*interface:\s*(\S+)/m.exec(out)?.[1],
  };
}

/** `arp -n <ip>`: "? (192.168.1.1) at 88:36:6c:a:1b:2c on en0 ifscope [ethernet]" (octets without leading zeros). */
export function parseArpLine(out: string): string | undefined {
  return normalizeMac(/\)\s+at\s+([0-9a-f:]+)\s/i.exec(out)?.[1]);
}

async function gateway(runner: Runner): Promise<Partial<HostContext>> {
  const r = await runner.exec('route', ['-n', 'get', 'default'], { timeoutMs: 5_000 });
  const { gateway: gw } = parseRouteGet(r.stdout);
  // A VPN's utun default route names a link (or nothing) rather than a neighbour's IPv4 address
  if (!gw || !/^\d{1,3}(\.\d{1,3}){3}$/.test(gw)) return {};
  const a = await runner.exec('arp', ['-n', gw], { timeoutMs: 5_000 });
  const mac = parseArpLine(a.stdout);
  return mac ? { defaultGatewayMac: mac } : {};
}

/** Devices of the "Wi-Fi" (formerly "AirPort") hardware ports in `networksetup -listallhardwareports`. */
export function wifiDevices(out: string): string[] {
  const devs: string[] = [];
  for (const block of out.split(/\n\s*\n/)) {
    const port = /^Hardware Port:\s*(.+)$/m.exec(block)?.[1]?.trim();
    const dev = /^Device:\s*(\S+)$/m.exec(block)?.[1];
    if (dev && port && /^(Wi-Fi|AirPort)$/i.test(port)) devs.push(dev);
  }
  return devs;
}

/** Top-level "  SSID : name" and "  BSSID : aa:bb:..." of `ipconfig getsummary`; "<redacted>" counts as absent. */
export function parseIpconfigSummary(out: string): Partial<HostContext> {
  const top = (k: string) => new RegExp(`^  ${k} : (.*)$`, 'm').exec(out)?.[1]?.trim();
  const ssid = top('SSID');
  return wifiFields(ssid === '<redacted>' ? undefined : ssid, top('BSSID'));
}

async function wifi(runner: Runner): Promise<Partial<HostContext>> {
  const ports = await runner.exec('networksetup', ['-listallhardwareports'], { timeoutMs: 10_000 });
  const devs = wifiDevices(ports.stdout)
    .slice(0, 4)
    .filter((dev) => /^[a-z]+\d+$/.test(dev));
  return firstWifi(devs, async (dev) =>
    parseIpconfigSummary((await runner.exec('ipconfig', ['getsummary', dev], { timeoutMs: 5_000 })).stdout),
  );
}

export const darwinContext: Collector = contextCollector('darwin', ({ runner: r }) => ({
  timezone: () => timezone(r),
  users: () => users(r),
  gateway: () => gateway(r),
  'wi-fi': () => wifi(r),
}));
