// The simulated farm fleet of the server tests (test/server/farm-fleet.ts: ordinary home workers, an office
// of 50 behind one public IP, a farm of 6 laptops behind one router, 2 with AnyDesk) plus one host whose
// name, user and process name are hostile markup with a control character, seeded into a real
// ratwatch-server the way agents would: each enrolls, then sends reports planned and encoded by the
// agent's own code, gzipped, over HTTP(S), from its own public address (X-Forwarded-For of a trusted proxy
// on loopback). Some hosts report twice so timelines hold sequence gaps, context changes and resolved findings.
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Finding, HostContext } from '../../agent/model.ts';
import { encodeReport } from '../../agent/report/encode.ts';
import { emptyState, planReport, type ReportedState } from '../../agent/report/plan.ts';
import type { NativeReport } from '../../agent/report/types.ts';
import type { HostSnapshot } from '../../server/farm/types.ts';
import { finding, scanResult } from './report-helpers.ts';
import { OFFICE_IP, simulatedFleet } from './server/farm-fleet.ts';
import { request } from './server/http.ts';

export const HOSTILE_NAME = '<img src=x onerror=alert(1)>"\u001b[31m';
export const FARM_MAC = '60:38:e0:11:22:33';
export const OFFICE_MAC = '00:1a:2b:3c:4d:5e';
export { OFFICE_IP };
export const HOSTILE_ID = 'hostile-1';

const TOOL = {
  anydesk: { id: 'anydesk', name: 'AnyDesk', category: 'remote-desktop' },
  teamviewer: { id: 'teamviewer', name: 'TeamViewer', category: 'remote-desktop' },
  ngrok: { id: 'ngrok', name: 'ngrok', category: 'tunnel' },
  tailscale: { id: 'tailscale', name: 'Tailscale', category: 'mesh-vpn' },
} as const;

function toolFinding(t: keyof typeof TOOL, proc: string = TOOL[t].name, severity: Finding['severity'] = 'high'): Finding {
  return finding(`${t}:bin`, {
    tool: { ...TOOL[t] },
    severity,
    evidence: [
      {
        type: 'process',
        strength: 'strong',
        pid: 4242,
        name: proc,
        exe: `C:\\Program Files\\${TOOL[t].name}\\${TOOL[t].name}.exe`,
        matchedBy: 'name',
      },
      {
        type: 'socket',
        strength: 'corroborating',
        proto: 'tcp',
        localAddress: '0.0.0.0',
        localPort: 7070,
        state: 'LISTEN',
        pid: 4242,
        process: proc,
      },
    ],
  } as Partial<Finding>);
}

/** One simulated laptop: what it reports, in order (a report of `null` is planned but lost: a sequence gap). */
export interface SeedHost {
  agentId: string;
  hostname: string;
  user?: string | undefined;
  os: string;
  ip: string;
  reports: Array<{ context: HostContext; findings: Finding[] } | null>;
}

/** The farm fleet with `ordinary` home workers; a few of them run TeamViewer, one host is hostile. */
export function consoleFleet(ordinary: number): SeedHost[] {
  const fleet = simulatedFleet(ordinary);
  const oses = ['windows', 'darwin', 'linux'];
  const out: SeedHost[] = fleet.hosts.map((h: HostSnapshot, i) => {
    const findings = h.findings.map((f) => toolFinding(f.toolId as keyof typeof TOOL));
    if (h.agentId.startsWith('home') && i % 25 === 3) findings.push(toolFinding('teamviewer'));
    const ctx = { ...h.context, defaultGatewayMac: h.context.defaultGatewayMac?.toLowerCase().replace(/-/g, ':') };
    const seed: SeedHost = {
      agentId: h.agentId,
      hostname: h.hostname,
      user: h.user,
      os: h.agentId.startsWith('office') ? 'darwin' : oses[i % 3],
      ip: h.publicIp ?? '81.0.0.1',
      reports: [{ context: ctx, findings }],
    };
    // farm0 moved into the farm from home (a context change), and two of its reports never arrived
    if (h.agentId === 'farm0')
      seed.reports = [
        { context: { ...ctx, defaultGatewayMac: 'a4:83:e7:00:00:09', timezone: 'Europe/Berlin' }, findings: [] },
        null,
        null,
        { context: ctx, findings },
      ];
    return seed;
  });
  const hostileCtx: HostContext = { timezone: 'Asia/Shanghai', locale: 'zh-CN', defaultGatewayMac: 'a4:83:e7:ff:00:01' };
  out.push({
    agentId: HOSTILE_ID,
    hostname: HOSTILE_NAME,
    user: `${HOSTILE_NAME}user`,
    os: 'linux',
    ip: '81.250.0.1',
    reports: [
      { context: hostileCtx, findings: [toolFinding('ngrok', HOSTILE_NAME, 'critical'), toolFinding('tailscale', 'tailscaled', 'medium')] },
      { context: hostileCtx, findings: [toolFinding('ngrok', HOSTILE_NAME, 'critical')] }, // Tailscale resolved
    ],
  });
  return out;
}

export interface SeedTarget {
  url: string; // the server's base URL
  caFile?: string;
  enrollSecret: string;
}

/** The reports one host sends, planned and encoded by the agent's code; the lost ones are planned, not sent. */
export function plannedReports(h: SeedHost, now = new Date()): NativeReport[] {
  let state: ReportedState = emptyState();
  const out: NativeReport[] = [];
  for (const r of h.reports) {
    const result = scanResult(r?.findings ?? [], {
      host: {
        hostname: h.hostname,
        os: h.os,
        osVersion: '10.0.19045',
        arch: 'x64',
        collectedAt: now.toISOString(),
        agentVersion: '0.1.0',
        ...(h.user ? { user: h.user } : {}),
      } as never,
      context: r?.context ?? {},
      privileged: true,
    });
    const planned = planReport({ state, result, agentId: h.agentId, reportId: randomUUID(), fullStateEvery: 24, now });
    state = planned.state;
    if (r) out.push(planned.report);
  }
  return out;
}

async function seedOne(t: SeedTarget, h: SeedHost): Promise<void> {
  const e = await request(`${t.url}/v1/enroll`, {
    body: JSON.stringify({ enrollSecret: t.enrollSecret, agentId: h.agentId, hostname: h.hostname.slice(0, 200) }),
    caFile: t.caFile,
  });
  if (e.status !== 200) throw new Error(`enroll ${h.agentId}: ${e.status} ${e.text.slice(0, 200)}`);
  const key = e.json().key as string;
  for (const report of plannedReports(h)) {
    const a = await request(`${t.url}/v1/reports`, {
      body: gzipSync(encodeReport(report, 'native')),
      caFile: t.caFile,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-forwarded-for': h.ip },
    });
    if (a.status !== 200) throw new Error(`report ${h.agentId}: ${a.status} ${a.text.slice(0, 200)}`);
  }
}

/** Enrolls and reports every host, a few at a time. */
export async function seedFleet(t: SeedTarget, hosts: SeedHost[], parallel = 8): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < hosts.length) await seedOne(t, hosts[next++]);
    }),
  );
}
