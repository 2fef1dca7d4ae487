// Laptop-farm correlation over the whole fleet in one pass: every host's in-window observations are keyed
// by the networks they show (gateway MAC, Wi-Fi BSSID, public IP or IPv6 prefix); keys shared by enough
// hosts tie those hosts into groups (union-find), and each group becomes one alert whose severity adds up
// the rules it meets. Linear in hosts x observations; no I/O, no clock.
import type { Category, Severity } from '../../agent/model.ts';
import type {
  AlertDraft,
  ContextObservation,
  ExpectedRegion,
  FarmEvaluation,
  FarmGroup,
  FarmRule,
  FarmSettings,
  GroupHost,
  HostFinding,
  HostSnapshot,
  NetworkKind,
  RegionMismatch,
  SharedNetwork,
} from './types.ts';
import { IpRanges, canonicalIp, canonicalMac, isMeaninglessIp, publicIpKey } from './net.ts';
import { maxSeverity, raise, regionMismatches, severityRank } from './region.ts';
import { normalizeUser } from './users.ts';

/** Categories that give someone else the keyboard: on a farm host they are the point of the farm. */
export const REMOTE_ACCESS_CATEGORIES: ReadonlySet<Category> = new Set<Category>([
  'remote-desktop',
  'rmm',
  'remote-shell',
  'tunnel',
  'mesh-vpn',
  'ip-kvm',
]);
/** Lists inside one alert stop here (a carrier-grade NAT address can hold thousands of hosts). */
export const MAX_LISTED = 200;
const CLOSED_STATES = new Set(['resolved', 'closed', 'allowed', 'suppressed']);
const KIND_ORDER: Record<NetworkKind, number> = { 'gateway-mac': 0, 'wifi-bssid': 1, 'public-ip': 2 };

interface KeyHosts {
  kind: NetworkKind;
  value: string;
  hosts: number[]; // indexes into snapshots, each once
  users: Set<string>;
  last: number; // the host added last: observations of one host come together, so this dedupes them
}

const isOpen = (f: HostFinding): boolean => !f.state || !CLOSED_STATES.has(f.state);

function lookup(regions: FarmSettings['expectedRegions'], user: string | undefined): ExpectedRegion | undefined {
  if (!user) return undefined;
  return regions instanceof Map ? regions.get(user) : Object.hasOwn(regions, user) ? regions[user] : undefined;
}

export function evaluateFarms(snapshots: readonly HostSnapshot[], settings: FarmSettings, now: Date): FarmEvaluation {
  const nowMs = now.getTime();
  const cutoff = nowMs - settings.windowHours * 3_600_000;
  const officeIps = new IpRanges(settings.office.cidrs, 'farm.office.cidrs');
  const vpnIps = new IpRanges(settings.vpnEgressIps, 'farm.vpnEgressIps');
  // an unusable entry maps to undefined, which no reported value (always a MAC) is looked up as
  const officeMacs = new Set(settings.office.gatewayMacs.map(canonicalMac));
  const officeBssids = new Set(settings.office.bssids.map(canonicalMac));

  // Hosts repeat the same few values hour after hour; parsing and range checks are the costly part
  // (BlockList.check takes microseconds), so each distinct raw value is looked at once per evaluation.
  const macs = new Map<unknown, string | undefined>();
  const macOf = (raw: unknown): string | undefined => {
    // Stryker disable next-line ConditionalExpression: a cache; without it the same value is computed again
    if (macs.has(raw)) return macs.get(raw);
    const m = canonicalMac(raw);
    // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: a cache (strings only, to stay bounded)
    if (typeof raw === 'string') macs.set(raw, m);
    return m;
  };
  type IpSeen = { ip?: string | undefined; office: boolean; key?: string };
  const ips = new Map<unknown, IpSeen>();
  const ipOf = (raw: unknown): IpSeen => {
    let r = ips.get(raw);
    // Stryker disable next-line ConditionalExpression: a cache; without it the same value is computed again
    if (r) return r;
    const ip = canonicalIp(raw);
    r = { ip, office: !!ip && officeIps.has(ip) };
    // behind the company VPN only the public address is the VPN's; meaningless addresses tie nothing together
    if (ip && !r.office && !vpnIps.has(ip) && !isMeaninglessIp(ip)) r.key = publicIpKey(ip, settings.ipv6PrefixLength);
    // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: a cache (strings only, to stay bounded)
    if (typeof raw === 'string') ips.set(raw, r);
    return r;
  };
  const keys = new Map<string, KeyHosts>();
  const userOf: string[] = [];
  const alerts: AlertDraft[] = [];
  const add = (kind: NetworkKind, value: string, host: number): void => {
    const key = `${kind}:${value}`;
    let k = keys.get(key);
    if (!k) keys.set(key, (k = { kind, value, hosts: [], users: new Set(), last: -1 }));
    if (k.last === host) return;
    k.last = host;
    k.hosts.push(host);
    k.users.add(userOf[host]);
  };

  snapshots.forEach((h, i) => {
    userOf[i] = normalizeUser(h.user) ?? `?${h.agentId}`;
    const seenAt = Date.parse(h.seenAt);
    if (!(seenAt >= cutoff)) return; // silent hosts are the liveness check's business, not correlation's
    const history = Array.isArray(h.contextHistory) ? h.contextHistory : [];
    const region = { timezones: new Set<string>(), locales: new Set<string>(), inputMethods: new Set<string>() };
    for (let n = -1; n < history.length; n++) {
      const o: Partial<ContextObservation> | undefined = n < 0 ? { ...h.context, publicIp: h.publicIp } : history[n];
      if (!o || (n >= 0 && !(Date.parse(o.at as string) >= cutoff))) continue;
      if (typeof o.timezone === 'string' && o.timezone) region.timezones.add(o.timezone);
      if (typeof o.locale === 'string' && o.locale) region.locales.add(o.locale);
      if (Array.isArray(o.inputMethods))
        for (const im of o.inputMethods.slice(0, 64)) if (typeof im === 'string' && im) region.inputMethods.add(im);
      const ip = ipOf(o.publicIp);
      // In an office every network the laptop sees is the office's; behind the company VPN the gateway
      // and access point are still wherever the laptop is.
      if (ip.office) continue;
      const mac = macOf(o.defaultGatewayMac);
      if (mac && !officeMacs.has(mac)) add('gateway-mac', mac, i);
      const bssid = macOf(o.wifiBssid);
      if (bssid && !officeBssids.has(bssid)) add('wifi-bssid', bssid, i);
      if (ip.key) add('public-ip', ip.key, i);
    }
    const expected = lookup(settings.expectedRegions, normalizeUser(h.user)) ?? settings.defaultRegion;
    const mismatches = regionMismatches(
      {
        timezones: [...region.timezones],
        locales: [...region.locales],
        inputMethods: [...region.inputMethods],
      },
      expected,
    );
    if (mismatches.length) alerts.push(regionAlert(h, mismatches));
  });

  // union-find over hosts joined by qualifying keys
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.get(r)! !== r) r = parent.get(r)!;
    // Stryker disable next-line ConditionalExpression: path compression only makes later finds shorter
    while (parent.get(x)! !== r) {
      const n = parent.get(x)!;
      parent.set(x, r);
      x = n;
    }
    return r;
  };
  const qualifying: KeyHosts[] = [];
  for (const k of keys.values()) {
    const ok = k.kind === 'public-ip' ? k.hosts.length >= settings.publicIpMin : k.users.size >= settings.macHighMin;
    if (!ok) continue;
    qualifying.push(k);
    for (const h of k.hosts) if (!parent.has(h)) parent.set(h, h);
    const root = find(k.hosts[0]);
    for (const h of k.hosts.slice(1)) {
      const r = find(h);
      // Stryker disable next-line ConditionalExpression: setting a root's parent to itself changes nothing
      if (r !== root) parent.set(r, root);
    }
  }
  const components = new Map<number, KeyHosts[]>();
  for (const k of qualifying) {
    const r = find(k.hosts[0]);
    const list = components.get(r);
    if (list) list.push(k);
    else components.set(r, [k]);
  }
  const members = new Map<number, number[]>();
  for (const h of parent.keys()) {
    const r = find(h);
    const list = members.get(r);
    if (list) list.push(h);
    else members.set(r, [h]);
  }

  const groups: FarmGroup[] = [];
  for (const [root, ks] of components) {
    groups.push(buildGroup(snapshots, userOf, ks, members.get(root)!, settings));
  }
  groups.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.subject < b.subject ? -1 : 1));
  const window = { from: new Date(cutoff).toISOString(), to: now.toISOString() };
  const thresholds = {
    windowHours: settings.windowHours,
    macHighMin: settings.macHighMin,
    macCriticalMin: settings.macCriticalMin,
    publicIpMin: settings.publicIpMin,
  };
  const farmAlerts: AlertDraft[] = groups.map((g) => ({
    rule: 'laptop-farm',
    subject: g.subject,
    severity: g.severity,
    title: farmTitle(g),
    explanation: {
      kind: 'farm',
      rules: g.rules,
      distinctUsers: g.distinctUsers,
      networks: g.networks,
      hosts: g.hosts,
      hostCount: g.hostCount,
      thresholds,
      window,
    },
    agentIds: g.agentIds,
  }));
  return { groups, alerts: [...farmAlerts, ...alerts] };
}

function buildGroup(snapshots: readonly HostSnapshot[], userOf: string[], ks: KeyHosts[], hostIdx: number[], s: FarmSettings): FarmGroup {
  ks.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.value < b.value ? -1 : 1));
  const rules: FarmRule[] = [];
  let severity: Severity = 'info';
  const net = ks.filter((k) => k.kind !== 'public-ip');
  const shared = ks.some((k) => k.kind === 'public-ip');
  const hosts: GroupHost[] = hostIdx.map((i) => {
    const h = snapshots[i];
    const remoteAccess = (h.findings ?? [])
      .filter((f) => isOpen(f) && REMOTE_ACCESS_CATEGORIES.has(f.category))
      .map((f) => ({ toolId: f.toolId, toolName: f.toolName, category: f.category, severity: f.severity }));
    return { agentId: h.agentId, hostname: h.hostname, ...(h.user ? { user: h.user } : {}), remoteAccess };
  });
  const withRemote = hosts.some((h) => h.remoteAccess.length > 0);
  if (net.length) {
    rules.push('shared-network');
    for (const k of net) severity = maxSeverity(severity, k.users.size >= s.macCriticalMin ? 'critical' : 'high');
    if (shared) {
      rules.push('shared-public-ip');
      severity = raise(severity);
    }
    if (withRemote) {
      rules.push('remote-access-in-group');
      severity = 'critical';
    }
  } else {
    rules.push('shared-public-ip');
    severity = 'medium';
    const anyFinding = hostIdx.some((i) => (snapshots[i].findings ?? []).some(isOpen));
    if (anyFinding) severity = raise(severity);
    if (withRemote) rules.push('remote-access-in-group');
  }
  hosts.sort((a, b) => (b.remoteAccess.length ? 1 : 0) - (a.remoteAccess.length ? 1 : 0) || (a.agentId < b.agentId ? -1 : 1));
  const networks: SharedNetwork[] = ks.map((k) => ({
    kind: k.kind,
    value: k.value,
    hostCount: k.hosts.length,
    userCount: k.users.size,
    agentIds: k.hosts
      .map((i) => snapshots[i].agentId)
      .sort()
      .slice(0, MAX_LISTED),
  }));
  return {
    subject: `farm:${ks[0].kind}:${ks[0].value}`,
    severity,
    rules,
    networks,
    hosts: hosts.slice(0, MAX_LISTED),
    hostCount: hosts.length,
    agentIds: hostIdx.map((i) => snapshots[i].agentId).sort(),
    distinctUsers: new Set(hostIdx.map((i) => userOf[i])).size,
  };
}

function farmTitle(g: FarmGroup): string {
  const n = g.networks[0];
  const what = n.kind === 'gateway-mac' ? 'gateway MAC' : n.kind === 'wifi-bssid' ? 'Wi-Fi BSSID' : 'public IP';
  const remote = g.hosts.filter((h) => h.remoteAccess.length).length;
  const more = g.networks.length > 1 ? ` (+${g.networks.length - 1} more shared network${g.networks.length > 2 ? 's' : ''})` : '';
  return (
    `Possible laptop farm: ${g.hostCount} hosts of ${g.distinctUsers} users share ${what} ${n.value}${more}` +
    (remote ? `; ${remote} with remote access` : '')
  );
}

function regionAlert(h: HostSnapshot, mismatches: RegionMismatch[]): AlertDraft {
  let severity: Severity = 'info';
  for (const m of mismatches) severity = maxSeverity(severity, m.severity);
  // several independent settings pointing away from the expected region are worth more than one
  if (new Set(mismatches.map((m) => m.field)).size >= 2) severity = raise(severity);
  const first = mismatches[0];
  return {
    rule: 'region-mismatch',
    subject: `region:${h.agentId}`,
    severity,
    title:
      `${first.always ? 'Host set to a DPRK' : "Host outside its user's region:"} ${first.field} ${first.value}` +
      `${mismatches.length > 1 ? ` (+${mismatches.length - 1} more)` : ''} on ${h.hostname}`,
    explanation: { kind: 'region', host: { agentId: h.agentId, hostname: h.hostname, ...(h.user ? { user: h.user } : {}) }, mismatches },
    agentIds: [h.agentId],
  };
}
