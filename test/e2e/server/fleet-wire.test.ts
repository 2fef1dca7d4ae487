import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { SMTPServer } from 'smtp-server';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeReport } from '../../../agent/report/encode.ts';
import { emptyState, planReport } from '../../../agent/report/plan.ts';
import type { Finding, HostContext } from '../../../agent/model.ts';
import { defaultConfig, startServer, type RunningServer } from '../../../server/app.ts';
import { request } from '../../helpers/server/http.ts';
import { httpSink } from '../../helpers/server/notify-sinks.ts';
import { finding, scanResult } from '../../helpers/report-helpers.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS, type StoreKind } from '../../helpers/server/stores.ts';

// The simulated fleet through the real server: 556 agents enroll and report over HTTP with the agent's own
// planner and encoder, each behind its own public address (the trusted proxy's X-Forwarded-For on
// loopback); one periodic round must raise exactly one critical laptop-farm alert, delivered once to a
// local webhook sink (signature checked here with node:crypto) and a local SMTP sink; the office of 50
// behind its allow-listed address raises nothing.

afterAll(() => cleanupDatabases());

const OFFICE_IP = '198.51.100.10';
const SECRET = 'wire-test-webhook-secret-0123456789';
const FARM_MAC = '60:38:e0:11:22:33';
const FARM_IP = '81.200.1.1';

// The agent reports no user (ScanResult.host has none): the farm rules count each such host as its own user.
interface SimHost {
  agentId: string;
  hostname: string;
  ip: string;
  context: HostContext;
  findings: Finding[];
}

function fleet(): { hosts: SimHost[]; farm: string[] } {
  const hosts: SimHost[] = [];
  const mac = (n: number, oui: string) =>
    `${oui}:${[(n >> 16) & 255, (n >> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  for (let i = 0; i < 500; i++) {
    hosts.push({
      agentId: `home-${i}`,
      hostname: `home-${i}`,
      ip: `81.${(i >> 8) & 255}.${i & 255}.7`,
      context: {
        timezone: 'America/Chicago',
        locale: 'en-US',
        defaultGatewayMac: mac(1000 + i, 'a4:83:e7'),
        wifiBssid: mac(1000 + i, '3c:37:86'),
        wifiSsid: 'home',
      },
      findings: [],
    });
  }
  for (let i = 0; i < 50; i++) {
    // the office's router and access point are not listed: its allow-listed address covers them
    hosts.push({
      agentId: `office-${i}`,
      hostname: `office-${i}`,
      ip: OFFICE_IP,
      context: {
        timezone: 'America/New_York',
        locale: 'en_US.UTF-8',
        defaultGatewayMac: '00:1a:2b:3c:4d:5e',
        wifiBssid: 'f0:9f:c2:00:00:07',
        wifiSsid: 'corp',
      },
      findings: [],
    });
  }
  const farm: string[] = [];
  for (let i = 0; i < 6; i++) {
    farm.push(`farm-${i}`);
    hosts.push({
      agentId: `farm-${i}`,
      hostname: `farm-${i}`,
      ip: FARM_IP,
      context: { timezone: 'America/Los_Angeles', locale: 'en-US', defaultGatewayMac: FARM_MAC, wifiSsid: 'NETGEAR-5G' },
      findings: i < 2 ? [finding('anydesk:bin', { tool: { id: 'anydesk', name: 'AnyDesk', category: 'remote-desktop' } })] : [],
    });
  }
  return { hosts, farm };
}

async function smtpSink(): Promise<{ port: number; mails: string[]; close(): Promise<void> }> {
  const mails: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push(Buffer.concat(chunks).toString('utf8'));
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function report(srv: RunningServer, h: SimHost): Promise<void> {
  const e = await request(`${srv.url}/v1/enroll`, {
    body: JSON.stringify({ enrollSecret: srv.enrollSecret, agentId: h.agentId, hostname: h.hostname }),
  });
  if (e.status !== 200) throw new Error(`enroll ${h.agentId}: ${e.status} ${e.text}`);
  const now = new Date();
  const result = scanResult(h.findings, {
    host: {
      hostname: h.hostname,
      os: 'windows',
      osVersion: '10.0.19045',
      arch: 'x64',
      collectedAt: now.toISOString(),
      agentVersion: '0.1.0',
    },
    context: h.context,
    privileged: true,
  });
  const { report: r } = planReport({ state: emptyState(), result, agentId: h.agentId, reportId: randomUUID(), fullStateEvery: 24, now });
  const body = gzipSync(encodeReport(r, 'native'));
  const a = await request(srv.ingestUrl, {
    body,
    headers: {
      authorization: `Bearer ${e.json().key}`,
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'x-forwarded-for': h.ip,
    },
  });
  if (a.status !== 200) throw new Error(`report ${h.agentId}: ${a.status} ${a.text}`);
}

/** The receiver's own check of the webhook signature (server/notify/README.md), with node:crypto only. */
function signatureOk(headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const ts = String(headers['x-ratwatch-timestamp']);
  const got = Buffer.from(String(headers['x-ratwatch-signature']));
  const want = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`);
  return got.length === want.length && timingSafeEqual(got, want) && Math.abs(Date.now() / 1000 - Number(ts)) < 300;
}

/**
 * The notifications among what a sink got, each once, in order. Delivery is at least once
 * (server/notify/README.md, "Delivery"): an attempt whose answer comes after timeoutMs (a loaded machine) is
 * retried, so a notification may arrive twice (retries: 1), the same each time; never more.
 */
function notifications(got: { id: string; content: string }[]): string[] {
  const seen = new Map<string, { content: string; times: number }>();
  for (const { id, content } of got) {
    expect(id).toMatch(/^alert:\d+:/);
    const s = seen.get(id) ?? { content, times: 0 };
    s.times += 1;
    seen.set(id, s);
    expect([s.content, s.times <= 2]).toEqual([content, true]);
  }
  return [...seen.keys()];
}

function fleetSuite(kind: StoreKind): void {
  it(`${kind}: one critical farm alert reaches the webhook and SMTP sinks once; the office raises nothing`, async () => {
    const hook = await httpSink([200]);
    const smtp = await smtpSink();
    const db = await freshDatabase(kind);
    let hoursLater = 0; // each round takes the job lease for its interval: the next one runs an hour later
    const srv = await startServer(
      defaultConfig({
        dataDir: db.dataDir,
        databaseUrl: db.postgresUrl,
        host: '127.0.0.1',
        port: 0,
        tls: 'none',
        trustedProxies: ['127.0.0.1'],
        periodicIntervalMs: 3_600_000,
        log: () => undefined,
        now: () => new Date(Date.now() + hoursLater * 3_600_000),
        farm: { office: { cidrs: [OFFICE_IP], gatewayMacs: [], bssids: [] } },
        notifiers: [
          { type: 'webhook', name: 'hook', url: `${hook.url}/ratwatch`, secret: SECRET, retries: 1, backoffMs: 5, timeoutMs: 10_000 },
          {
            type: 'email',
            name: 'mail',
            host: '127.0.0.1',
            port: smtp.port,
            tls: 'none',
            from: 'ratwatch@corp.example',
            to: ['it@corp.example'],
            retries: 1,
            backoffMs: 5,
            timeoutMs: 10_000,
          },
        ],
      }),
    );
    try {
      const { hosts, farm } = fleet();
      for (let i = 0; i < hosts.length; i += 16) await Promise.all(hosts.slice(i, i + 16).map((h) => report(srv, h)));
      expect((await srv.store.overview()).hosts.total).toBe(556);
      expect((await srv.store.getHost('farm-3'))!.publicIp).toBe(FARM_IP);

      const first = await srv.jobs.round();
      expect(first.ran).toContain('farm-correlation');
      expect(first.notified).toBe(1); // one claim
      const alerts = await srv.store.listAlerts({ limit: 100, offset: 0 });
      expect(alerts.map((a) => [a.rule, a.severity])).toEqual([['laptop-farm', 'critical']]);
      expect(alerts[0].agentIds).toEqual(farm);
      const groups = await srv.store.listFarmGroups(100);
      expect(groups.map((g) => [g.severity, g.hostCount])).toEqual([['critical', 6]]);

      const hookGot = () =>
        notifications(
          hook.received.map((r) => ({ id: decodeURIComponent(String(r.headers['x-ratwatch-notification-id'])), content: r.body })),
        );
      // a mail is built afresh per attempt (its Message-ID and Date differ): its text is what repeats
      const mailGot = () =>
        notifications(
          smtp.mails.map((m) => ({
            id: /^X-Ratwatch-Notification-Id: (.+?)\r?$/im.exec(m)?.[1] ?? '',
            content: m.slice(m.search(/\r?\n\r?\n/)),
          })),
        );
      expect(hookGot()).toHaveLength(1);
      const sent = hook.received[0];
      for (const r of hook.received) expect(signatureOk(r.headers, r.body)).toBe(true);
      const payload = JSON.parse(sent.body);
      expect([payload.rule, payload.severity, payload.id]).toEqual(['laptop-farm', 'critical', String(alerts[0].id)]);
      expect(payload.agentIds).toEqual(farm);
      expect(mailGot()).toHaveLength(1);
      expect(smtp.mails[0]).toMatch(/^Subject: \[ratwatch\] CRITICAL laptop-farm/m);
      expect(smtp.mails[0]).not.toMatch(/office-/);

      // Once: a second round updates the alert but sends nothing; a closed alert that fires again is sent again.
      hoursLater = 1;
      expect((await srv.jobs.round()).ran).toContain('farm-correlation');
      expect([hookGot().length, mailGot().length]).toEqual([1, 1]);
      expect((await srv.store.listAlerts({ limit: 10, offset: 0 }))[0].occurrences).toBe(2);
      await srv.store.setAlertStatus(alerts[0].id, 'closed', 'admin', new Date().toISOString());
      hoursLater = 2;
      expect((await srv.jobs.round()).ran).toContain('farm-correlation');
      expect([hookGot().length, mailGot().length]).toEqual([2, 2]);
      expect((await srv.store.listAlerts({ limit: 10, offset: 0 }))[0].status).toBe('open');
    } finally {
      await srv.close();
      await hook.close();
      await smtp.close();
    }
  });
}

describe('simulated fleet through the real server', { timeout: 600_000 }, () => {
  for (const kind of STORE_KINDS) fleetSuite(kind);
});
