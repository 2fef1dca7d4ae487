import type { HostContext, OsName, SourceStatus } from '../model.ts';
import type { NativeReport } from './types.ts';

// The reporting host as an OCSF `device` (objects/device.json, objects/os.json) and the host facts
// OCSF has no attribute for, which go to `unmapped`.

const OS: Record<OsName, { name: string; type_id: number; type: string }> = {
  windows: { name: 'Windows', type_id: 100, type: 'Windows' },
  linux: { name: 'Linux', type_id: 200, type: 'Linux' },
  darwin: { name: 'macOS', type_id: 300, type: 'macOS' },
};

const RELEASE = /^\d+\.\d+(\.\d+)?/;

/**
 * os.version is the OS's own version, not the kernel's. A live scan records os.release(): on Windows
 * that is the OS version (10.0.<build>); on macOS it is the Darwin release, whose major number is the
 * macOS major + 9 since Darwin 20 (macOS 11); on Linux it is the kernel release, which says nothing of
 * the distribution, so it goes to kernel_release alone. A non-numeric value (a distribution name an
 * inventory recorded) is the version as given.
 */
function osObject(os: OsName, recorded: string | undefined, lang: string | undefined): Record<string, unknown> {
  const base = OS[os] ?? { name: String(os), type_id: 0, type: 'Unknown' };
  const more: Record<string, unknown> = {};
  const v = recorded?.trim();
  if (v && !RELEASE.test(v)) more.version = v;
  else if (v && os === 'windows') {
    more.version = v;
    const build = v.split('.')[2];
    if (build) more.build = build;
  } else if (v && os === 'darwin') {
    more.kernel_release = v;
    const [major, minor] = v.split('.').map(Number);
    if (major >= 20) more.version = `${major - 9}.${minor ?? 0}`;
  } else if (v) more.kernel_release = v;
  if (lang) more.lang = lang;
  return { ...base, ...more };
}

/** ISO 639-1 language of a locale such as de_DE.UTF-8 or en-US; os.lang is the two-letter code. */
function language(locale: string | undefined): string | undefined {
  const m = locale?.match(/^([a-z]{2})(?=$|[-_.@])/i);
  return m ? m[1].toLowerCase() : undefined;
}

// Windows reports its own zone names (tzutil, Win32_TimeZone); these are the common ones, as IANA
// zones (CLDR windowsZones.xml, territory 001). An unknown name leaves timezone_offset out.
const WINDOWS_ZONES: Record<string, string> = {
  UTC: 'Etc/UTC',
  'GMT Standard Time': 'Europe/London',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Eastern Standard Time': 'America/New_York',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'Pacific Standard Time': 'America/Los_Angeles',
  'India Standard Time': 'Asia/Calcutta',
  'China Standard Time': 'Asia/Shanghai',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'AUS Eastern Standard Time': 'Australia/Sydney',
};

/** Minutes east of UTC of the host's time zone at `at`, or undefined when the zone is not known. */
export function timezoneOffset(zone: string | undefined, at: Date): number | undefined {
  if (!zone) return undefined;
  const iana = WINDOWS_ZONES[zone] ?? zone;
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: iana, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value;
    if (part === 'GMT') return 0;
    const m = part?.match(/^GMT([+-])(\d{2}):(\d{2})$/);
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : undefined;
  } catch {
    return undefined; // not a zone this runtime knows
  }
}

export function deviceObject(r: NativeReport): Record<string, unknown> {
  return {
    hostname: r.host.hostname,
    name: r.host.hostname,
    uid: r.agentId,
    // ratwatch is deployed to company laptops; the inventory has no chassis type to say otherwise.
    type_id: 3,
    type: 'Laptop',
    os: osObject(r.host.os, r.host.osVersion, language(r.context?.locale)),
  };
}

/** Host facts without an OCSF attribute, and the sources that failed (a gap in what the scan saw). */
export function unmappedHost(context: HostContext | undefined, sources: SourceStatus[]): Record<string, unknown> {
  const c = context ?? {};
  const host: Record<string, unknown> = {};
  if (c.timezone) host.timezone = c.timezone;
  if (c.locale) host.locale = c.locale;
  if (c.inputMethods?.length) host.input_methods = c.inputMethods;
  if (c.defaultGatewayMac) host.default_gateway_mac = c.defaultGatewayMac;
  if (c.wifiSsid) host.wifi_ssid = c.wifiSsid;
  if (c.wifiBssid) host.wifi_bssid = c.wifiBssid;
  const failed = (sources ?? []).filter((s) => !s.ok && !s.absent).map((s) => ({ name: s.name, ...(s.error ? { error: s.error } : {}) }));
  return { ...(Object.keys(host).length ? { host_context: host } : {}), ...(failed.length ? { failed_sources: failed } : {}) };
}
