// A simulated fleet for the console tests and benchmark: ordinary laptops, a laptop farm of 6 hosts of 6
// users behind one gateway MAC (2 running AnyDesk), an office of hosts behind one allow-listable MAC, and
// one host whose name and process are hostile markup with control characters. Deterministic (seeded).
import type { Severity } from '../../agent/model.ts';
import type { Alert, EvidenceData, HostFinding, HostStatus, TimelineEvent } from '../../server/console/data.ts';

export const HOSTILE_NAME = '<img src=x onerror=alert(1)>"\u001b[31m';
export const FARM_MAC = 'f0:9f:c2:11:22:33';
export const OFFICE_MAC = '00:1b:17:00:01:01';
export const FARM_IP = '198.51.100.23';

export interface SimHost {
  agentId: string;
  hostname: string;
  os: string;
  osVersion: string;
  user?: string;
  agentVersion: string;
  status: HostStatus;
  firstSeen: string;
  lastSeen: string;
  publicIp?: string;
  context: { timezone?: string; locale?: string; inputMethods?: string[]; defaultGatewayMac?: string; wifiSsid?: string; wifiBssid?: string };
  findings: HostFinding[];
  timeline: TimelineEvent[];
}

export interface SimFleet {
  now: Date;
  hosts: SimHost[];
  alerts: Alert[];
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const TOOLS: { toolId: string; toolName: string; category: string; severity: Severity; proc: string; exe: string }[] = [
  { toolId: 'anydesk', toolName: 'AnyDesk', category: 'remote-desktop', severity: 'high', proc: 'AnyDesk.exe', exe: 'C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe' },
  { toolId: 'teamviewer', toolName: 'TeamViewer', category: 'remote-desktop', severity: 'high', proc: 'TeamViewer.exe', exe: 'C:\\Program Files\\TeamViewer\\TeamViewer.exe' },
  { toolId: 'ngrok', toolName: 'ngrok', category: 'tunnel', severity: 'critical', proc: 'ngrok', exe: '/usr/local/bin/ngrok' },
  { toolId: 'tailscale', toolName: 'Tailscale', category: 'mesh-vpn', severity: 'medium', proc: 'tailscaled', exe: '/usr/sbin/tailscaled' },
  { toolId: 'x11vnc', toolName: 'x11vnc', category: 'remote-desktop', severity: 'high', proc: 'x11vnc', exe: '/usr/bin/x11vnc' },
];

function newFinding(f: HostFinding): TimelineEvent {
  return { at: f.firstSeen, type: 'finding-new', detail: { findingId: f.findingId, tool: f.tool, severity: f.severity } };
}

function iso(now: Date, agoSec: number): string {
  return new Date(now.getTime() - agoSec * 1000).toISOString();
}

function finding(now: Date, t: (typeof TOOLS)[number], agoSec: number, procName = t.proc, user?: string): HostFinding {
  const evidence: EvidenceData[] = [
    { type: 'process', strength: 'strong', pid: 4242, name: procName, exe: t.exe, user, matchedBy: 'name' },
    { type: 'package', strength: 'strong', name: t.toolName, version: '9.0.1', manager: t.exe.startsWith('C:') ? 'uninstall' : 'dpkg' },
    { type: 'socket', strength: 'corroborating', proto: 'tcp', localAddress: '0.0.0.0', localPort: 7070, state: 'LISTEN', pid: 4242, process: procName },
  ];
  return {
    findingId: `${t.toolId}-f`, tool: { id: t.toolId, name: t.toolName, category: t.category }, severity: t.severity, state: 'running',
    firstSeen: iso(now, agoSec), lastSeen: iso(now, 120), evidence,
  };
}

export function simulateFleet(ordinary: number, now = new Date('2026-12-01T12:00:00Z')): SimFleet {
  const rand = rng(20261201);
  const hosts: SimHost[] = [];
  const oses = [
    { os: 'windows', v: '10.0.22631' },
    { os: 'darwin', v: '14.6' },
    { os: 'linux', v: 'Debian 12' },
  ];
  const base = (i: number, user: string | undefined, hostname: string): SimHost => {
    const o = oses[i % 3];
    const r = rand();
    const status: HostStatus = r < 0.9 ? 'online' : r < 0.96 ? 'offline' : 'silent';
    const ago = status === 'online' ? 60 + Math.floor(rand() * 600) : status === 'offline' ? 4 * 3600 : 3 * 86400;
    return {
      agentId: `agent-${String(i).padStart(5, '0')}`, hostname, os: o.os, osVersion: o.v, user, agentVersion: '0.1.0', status,
      firstSeen: iso(now, 40 * 86400), lastSeen: iso(now, ago), publicIp: `203.0.113.${i % 250}`,
      context: { timezone: 'Europe/Berlin', locale: 'de_DE.UTF-8', defaultGatewayMac: `02:aa:00:${(i >> 8 & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}:01` },
      findings: [], timeline: [],
    };
  };
  for (let i = 0; i < ordinary; i++) {
    const h = base(i, `user${i}`, `laptop-${i}`);
    if (rand() < 0.08) {
      const t = TOOLS[1 + Math.floor(rand() * (TOOLS.length - 1))];
      const f = finding(now, t, 10 * 86400, t.proc, h.user);
      h.findings.push(f);
      h.timeline.push(newFinding(f));
    }
    if (h.status === 'silent') h.timeline.unshift({ at: iso(now, 2 * 86400), type: 'silent', detail: {} });
    hosts.push(h);
  }
  // The office: 5 hosts of 5 users behind one gateway MAC; the office allow-list makes it harmless
  for (let k = 0; k < 5; k++) {
    const h = base(ordinary + k, `office${k}`, `office-${k}`);
    h.status = 'online';
    h.lastSeen = iso(now, 90);
    h.context.defaultGatewayMac = OFFICE_MAC;
    h.publicIp = '192.0.2.10';
    hosts.push(h);
  }
  const farmIds: string[] = [];
  for (let k = 0; k < 6; k++) {
    const h = base(ordinary + 5 + k, `contractor${k}`, `farm-${k}`);
    h.status = 'online';
    h.lastSeen = iso(now, 100 + k);
    h.context = { timezone: 'America/Chicago', locale: 'en_US.UTF-8', defaultGatewayMac: FARM_MAC, wifiSsid: 'NETGEAR42', wifiBssid: 'f0:9f:c2:11:22:34' };
    h.publicIp = FARM_IP;
    if (k < 2) {
      const f = finding(now, TOOLS[0], 3 * 86400, 'AnyDesk.exe', h.user);
      h.findings.push(f);
      h.timeline.push(newFinding(f));
    }
    h.timeline.unshift({ at: iso(now, 5 * 86400), type: 'context-changed', detail: { defaultGatewayMac: { from: '02:aa:00:00:00:09', to: FARM_MAC }, timezone: { from: 'Europe/Berlin', to: 'America/Chicago' } } });
    h.timeline.unshift({ at: iso(now, 2 * 86400), type: 'sequence-gap', detail: { missingFrom: 41, missingTo: 43 } });
    farmIds.push(h.agentId);
    hosts.push(h);
  }
  // The hostile host: its name, user and process name try to inject markup and terminal escapes
  const bad = base(ordinary + 11, `${HOSTILE_NAME}user`, HOSTILE_NAME);
  bad.status = 'online';
  bad.lastSeen = iso(now, 30);
  const bf = finding(now, TOOLS[2], 86400, HOSTILE_NAME, bad.user);
  bad.findings.push(bf, { ...finding(now, TOOLS[3], 7200), resolvedAt: iso(now, 3600) });
  bad.timeline.push(
    { at: iso(now, 3600), type: 'finding-resolved', detail: { findingId: 'tailscale-f', reason: 'absent' } },
    { at: iso(now, 5000), type: 'agent-downgrade', detail: { from: '0.1.0', to: `0.0.9 ${HOSTILE_NAME}` } },
    newFinding(bf),
  );
  hosts.push(bad);

  const alerts: Alert[] = [
    {
      id: 'alert-farm-1', rule: 'laptop-farm', subject: `farm:gateway-mac:${FARM_MAC}`, severity: 'critical',
      title: `Laptop farm: 6 hosts of 6 users behind gateway MAC ${FARM_MAC}, 2 with AnyDesk`, status: 'open',
      firstSeen: iso(now, 86400), lastSeen: iso(now, 600), occurrences: 14, agentIds: farmIds,
      explanation: { kind: 'farm', rules: ['shared-network', 'remote-access-in-group'], distinctUsers: 6 },
    },
    {
      id: 'alert-region-1', rule: 'region-mismatch', subject: `region:${bad.agentId}`, severity: 'high',
      title: `Region mismatch on ${HOSTILE_NAME}`, status: 'open', firstSeen: iso(now, 7200), lastSeen: iso(now, 7200), agentIds: [bad.agentId],
      explanation: { kind: 'region', mismatches: [{ field: 'timezone', value: 'Asia/Shanghai' }] },
    },
    {
      id: 'alert-old-1', rule: 'laptop-farm', subject: 'farm:public-ip:203.0.113.7', severity: 'medium', title: 'Shared public IP 203.0.113.7 on 3 hosts',
      status: 'closed', firstSeen: iso(now, 20 * 86400), lastSeen: iso(now, 19 * 86400), agentIds: [], closedBy: 'alice', closedAt: iso(now, 19 * 86400),
    },
  ];
  return { now, hosts, alerts };
}
