import type { HostContext } from '../../model.ts';
import type { Collector, CollectorContext } from '../types.ts';
import { clean } from '../../text.ts';
import { contextCollector, normalizeMac, wifiFields } from '../common/host-context.ts';
import { hostFactsSection } from './host-facts.ts';
import { PS_PRELUDE, isRecord, parsePsJson, psList, runPowerShell, str } from './powershell.ts';

// Host context on Windows: the Context section of the shared host-facts run (host-facts.ts: time zone,
// culture, the input methods of the agent's account and of every signed-in user, the default gateway's
// MAC), then `netsh wlan show interfaces` (through PowerShell, for UTF-8) for the Wi-Fi network.
//
// Input methods are reported as Windows' own TIP strings, "<LANGID>:<keyboard layout>" or
// "<LANGID>:{CLSID}{profile}"; the Microsoft Korean IME is
// "0412:{A028AE76-01B1-46C2-99C4-ACD9858AE02F}{B5FE1F02-D5F2-4445-9C03-C568F23C99A1}".

type Json = Record<string, unknown>;

// Windows PowerShell 5.1 may also unwrap a one-element list to the element itself
const arr = psList;

const TIP = /^[0-9a-f]{4}:(\{[0-9a-f-]{36}\}\{[0-9a-f-]{36}\}|[0-9a-f]{8})$/i;

/** The context from the section as JSON text. */
export function parseContextJson(out: string): Partial<HostContext> {
  return contextFrom(parsePsJson(out, 'PowerShell host context'));
}

export function contextFrom(doc: unknown): Partial<HostContext> {
  if (!isRecord(doc)) throw new Error('PowerShell host context: printed no object');
  const ctx: Partial<HostContext> = {};
  const tz = str(doc.TimeZone)?.trim();
  if (tz) ctx.timezone = clean(tz, 64);
  const users = arr(doc.Users).filter((u): u is Json => !!u && typeof u === 'object');
  // A signed-in user's locale says more about who uses the laptop than SYSTEM's culture
  const locale = users.map((u) => str(u.LocaleName)?.trim()).find(Boolean) ?? str(doc.Culture)?.trim();
  if (locale) ctx.locale = clean(locale, 64);
  const tips: string[] = [];
  for (const u of users) {
    for (const l of arr(u.Languages)) for (const t of arr((l as Json | null)?.Tips)) if (typeof t === 'string') tips.push(t);
  }
  for (const l of arr(doc.Languages)) for (const t of arr((l as Json | null)?.InputMethodTips)) if (typeof t === 'string') tips.push(t);
  ctx.inputMethods = tips
    .map((t) => t.trim())
    .filter((t) => TIP.test(t))
    .map((t) => t.toUpperCase());
  const mac = normalizeMac(str(doc.GatewayMac)?.trim());
  if (mac) ctx.defaultGatewayMac = mac;
  return ctx;
}

const MAC_VALUE = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;

/**
 * `netsh wlan show interfaces`, one "    <label> : <value>" line per field and a blank line between
 * interfaces. Only the "SSID" label is the same in every language; the BSSID's is "BSSID" (Windows 10),
 * "AP BSSID" (Windows 11 24H2) or a translation (French: "Point d'accès d'identificateur SSID (Service Set
 * Identifier)"). The layout is fixed though: the adapter's own MAC ("Physical address") comes before the
 * SSID line and the access point's MAC is the first MAC after it, so the BSSID is taken by position.
 */
export function parseNetshInterfaces(out: string): Partial<HostContext> {
  const blocks = out.split(/\r?\n\s*\r?\n/);
  for (const block of blocks) {
    let ssid: string | undefined;
    let bssid: string | undefined;
    for (const line of block.split(/\r?\n/)) {
      const m = /^\s*(.+?)\s*:\s?(.*)$/.exec(line);
      if (!m) continue;
      const key = m[1].trim();
      const value = m[2].trim();
      if (key === 'SSID' && ssid === undefined) ssid = value;
      else if (ssid !== undefined && bssid === undefined && MAC_VALUE.test(value)) bssid = value;
    }
    if (ssid || bssid) return wifiFields(ssid, bssid);
  }
  return {};
}

async function fromPowerShell(ctx: CollectorContext): Promise<Partial<HostContext>> {
  return contextFrom(await hostFactsSection(ctx, 'Context', 'PowerShell host context'));
}

// netsh run from PowerShell so that the SSID arrives in UTF-8: netsh writes in the console's output code
// page, which PS_PRELUDE sets to UTF-8, and PowerShell decodes a native program's output with that same
// encoding before printing it (see SCHTASKS_SCRIPT in autoruns.ts). Windows has no cmdlet for the BSSID.
export const NETSH_SCRIPT = PS_PRELUDE + "& (Join-Path $env:SystemRoot 'System32\\netsh.exe') wlan show interfaces";

async function fromNetsh(ctx: CollectorContext): Promise<Partial<HostContext>> {
  // No Wi-Fi adapter, WLAN AutoConfig stopped, or (Windows 11 24H2) no location permission: netsh prints a
  // message and exits 1, which PowerShell does not pass on; no Wi-Fi fields come out of it
  return parseNetshInterfaces(await runPowerShell(ctx, NETSH_SCRIPT, 'netsh wlan show interfaces', { timeoutMs: 15_000 }));
}

export const windowsContext: Collector = contextCollector('windows', (ctx) => ({
  powershell: () => fromPowerShell(ctx),
  'wi-fi': () => fromNetsh(ctx),
}));
