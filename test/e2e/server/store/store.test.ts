import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../../../server/store/types.ts';
import { finding, item, SimAgent } from '../../../helpers/server/reports.ts';
import { cleanupDatabases, freshStore, STORE_KINDS } from '../../../helpers/server/stores.ts';

// Fleet state from reports, on SQLite and on PostgreSQL alike: one suite, two stores.

afterAll(() => cleanupDatabases());

const T0 = new Date('2026-11-30T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

for (const kind of STORE_KINDS) {
  // Generous: the first PostgreSQL test starts a cluster (initdb), slow on a loaded machine.
  describe(`store on ${kind}`, { timeout: 300_000 }, () => {
    let s: Store;
    const open = async () => (s = await freshStore(kind));

    it('keeps a host, its findings and its timeline from full, delta and heartbeat reports; drops a duplicate', async () => {
      await open();
      const a = new SimAgent('agent-1', 'laptop-1', { timezone: 'Europe/Berlin', defaultGatewayMac: 'AA:BB:CC:00:11:22' });
      const full = a.next([finding('anydesk:1'), finding('ngrok:1', { tool: { id: 'ngrok', name: 'ngrok', category: 'tunnel' } })], at(0));
      expect(await s.ingest([item(full, '198.51.100.7', at(0))], 3600)).toEqual(['stored']);
      expect(await s.ingest([item(full, '198.51.100.7', at(1))], 3600)).toEqual(['duplicate']);
      expect(await s.countReports()).toBe(1);

      const host = await s.getHost('agent-1');
      expect(host).toMatchObject({
        hostname: 'laptop-1',
        os: 'linux',
        agentVersion: '0.1.0',
        status: 'online',
        openFindings: 2,
        publicIp: '198.51.100.7',
        lastSequence: 1,
      });
      expect(host!.context.defaultGatewayMac).toBe('aa:bb:cc:00:11:22');

      const delta = a.next([finding('anydesk:1')], at(60)); // ngrok gone
      await s.ingest([item(delta, '203.0.113.9', at(60))], 3600);
      const hb = a.next([finding('anydesk:1')], at(120));
      expect(hb.kind).toBe('heartbeat');
      await s.ingest([item(hb, '203.0.113.9', at(120))], 3600);

      const open1 = await s.listFindings({ agentId: 'agent-1', open: true, limit: 10, offset: 0 });
      expect(open1.map((f) => f.findingId)).toEqual(['anydesk:1']);
      expect(open1[0]).toMatchObject({
        firstSeen: at(0).toISOString(),
        lastSeen: at(120).toISOString(),
        resolvedAt: null,
        hostname: 'laptop-1',
      });
      const resolved = await s.listFindings({ agentId: 'agent-1', open: false, limit: 10, offset: 0 });
      expect(resolved).toMatchObject([{ findingId: 'ngrok:1', resolvedAt: at(60).toISOString(), resolvedReason: 'gone' }]);
      expect(resolved[0].evidence).toEqual(finding('ngrok:1').evidence);

      const types = (await s.timeline('agent-1', 100)).map((e) => e.type).reverse();
      expect(types).toEqual(['first-report', 'finding-new', 'finding-new', 'context-changed', 'finding-resolved']);
      const ctx = await s.contextHistory('agent-1', 10);
      expect(ctx.map((c) => c.publicIp)).toEqual(['203.0.113.9', '198.51.100.7']);
      expect((await s.getHost('agent-1'))!.openFindings).toBe(1);
      await s.close();
    });

    it('records sequence gaps, late reports, downgrades and unprivileged scans as events and deduplicated alerts', async () => {
      await open();
      const a = new SimAgent('agent-2', 'laptop-2');
      await s.ingest([item(a.next([], at(0)), '198.51.100.7', at(0))], 3600);
      const lost = a.next([], at(60));
      const third = a.next([], at(120));
      await s.ingest([item(third, '198.51.100.7', at(120))], 3600);
      await s.ingest([item(lost, '198.51.100.7', at(121))], 3600); // arrives late: kept, but not the current state
      const fourth = { ...a.next([], at(180)), agentVersion: '0.0.9', privileged: false };
      a.next([], at(200)); // the fifth, never ingested
      const sixth = a.next([], at(240));
      await s.ingest([item(fourth, '198.51.100.7', at(180))], 3600);
      await s.ingest([item(sixth, '198.51.100.7', at(240))], 3600);

      const types = (await s.timeline('agent-2', 100)).map((e) => e.type).reverse();
      expect(types).toEqual([
        'first-report',
        'sequence-gap',
        'late-report',
        'agent-downgrade',
        'unprivileged-scan',
        'sequence-gap',
        'agent-upgrade',
      ]);
      const alerts = await s.listAlerts({ limit: 100, offset: 0 });
      const byRule = Object.fromEntries(alerts.map((x) => [x.rule, x]));
      expect(Object.keys(byRule).sort()).toEqual(['agent-downgrade', 'sequence-gap', 'unprivileged-scan']);
      expect(byRule['sequence-gap']).toMatchObject({ subject: 'agent-2', occurrences: 2, status: 'open', agentIds: ['agent-2'] });
      expect((await s.getHost('agent-2'))!.lastSequence).toBe(sixth.sequence);
      expect(await s.countReports()).toBe(5);
      await s.close();
    });

    it('accepts a version 2 report with finding states and typed evidence, stored as sent', async () => {
      await open();
      const a = new SimAgent('agent-v2', 'laptop-v2');
      const r = a.next([finding('rustdesk:1')], at(0));
      const v2 = {
        ...r,
        schema: 'ratwatch.report/2',
        findings: r.findings.map((f) => ({ ...f, state: 'listening', evidence: [{ type: 'socket', port: 21118, process: 'rustdesk' }] })),
      };
      expect(await s.ingest([item(v2, '198.51.100.7', at(0))], 3600)).toEqual(['stored']);
      const [f] = await s.listFindings({ agentId: 'agent-v2', limit: 10, offset: 0 });
      expect(f).toMatchObject({ state: 'listening', evidence: [{ type: 'socket', port: 21118, process: 'rustdesk' }] });
      await s.close();
    });

    it('marks hosts offline after 3 missed intervals and silent after 24 h, once each; alerts keep their ack and reopen after close', async () => {
      await open();
      const a = new SimAgent('agent-3', 'laptop-3');
      await s.ingest([item(a.next([], at(0)), '198.51.100.7', at(0))], 600);
      expect(await s.updateLiveness(at(29))).toEqual([]);
      expect((await s.updateLiveness(at(31))).map((c) => c.to)).toEqual(['offline']);
      expect(await s.updateLiveness(at(32))).toEqual([]);
      const [offline] = await s.listAlerts({ rule: 'agent-offline', limit: 10, offset: 0 });
      expect(await s.setAlertStatus(offline.id, 'acknowledged', 'alice', at(33).toISOString())).toBe(true);
      expect((await s.updateLiveness(at(24 * 60 + 1))).map((c) => c.to)).toEqual(['silent']);
      expect((await s.getHost('agent-3'))!.status).toBe('silent');
      expect((await s.listAlerts({ rule: 'agent-offline', limit: 10, offset: 0 }))[0]).toMatchObject({
        status: 'acknowledged',
        ackBy: 'alice',
      });

      await s.ingest([item(a.next([], at(24 * 60 + 5)), '198.51.100.7', at(24 * 60 + 5))], 600);
      expect((await s.getHost('agent-3'))!.status).toBe('online');
      expect((await s.timeline('agent-3', 1))[0].type).toBe('back-online');

      await s.setAlertStatus(offline.id, 'closed', 'bob', at(24 * 60 + 6).toISOString());
      await s.upsertAlert(
        { rule: 'agent-offline', subject: 'agent-3', severity: 'medium', title: 't', explanation: {}, agentIds: ['agent-3'] },
        at(24 * 60 + 7).toISOString(),
      );
      expect(await s.listAlerts({ rule: 'agent-offline', limit: 10, offset: 0 })).toMatchObject([
        { id: offline.id, status: 'open', ackBy: null, closedBy: null, occurrences: 2 },
      ]);
      await s.close();
    });

    it('gives a job lease to one holder at a time, purges old reports but keeps the current state', async () => {
      await open();
      const now = at(0).toISOString();
      expect(await s.tryLease('liveness', 'one', now, at(1).toISOString())).toBe(true);
      expect(await s.tryLease('liveness', 'two', now, at(1).toISOString())).toBe(false);
      expect(await s.tryLease('liveness', 'two', at(1).toISOString(), at(2).toISOString())).toBe(true);

      const a = new SimAgent('agent-4', 'laptop-4');
      await s.ingest([item(a.next([finding('anydesk:4')], at(0)), '198.51.100.7', at(0))], 3600);
      await s.ingest([item(a.next([finding('anydesk:4')], at(100 * 24 * 60)), '198.51.100.7', at(100 * 24 * 60))], 3600);
      const purged = await s.purgeBefore(at(90 * 24 * 60).toISOString());
      expect(purged.reports).toBe(1);
      expect(await s.countReports()).toBe(1);
      expect((await s.listFindings({ agentId: 'agent-4', open: true, limit: 10, offset: 0 })).map((f) => f.findingId)).toEqual([
        'anydesk:4',
      ]);
      expect(await s.getHost('agent-4')).toBeDefined();
      await s.close();
    });

    it('builds farm snapshots and network groups from stored context', async () => {
      await open();
      for (let i = 0; i < 3; i++) {
        const a = new SimAgent(`farm-${i}`, `farm-${i}`, { timezone: 'America/Chicago', defaultGatewayMac: '02:00:00:00:00:01' });
        await s.ingest([item(a.next(i === 0 ? [finding('anydesk:f')] : [], at(i)), '192.0.2.50', at(i))], 3600);
      }
      const snaps = await s.hostSnapshots(at(-60).toISOString());
      expect(snaps).toHaveLength(3);
      expect(snaps.find((x) => x.agentId === 'farm-0')).toMatchObject({
        publicIp: '192.0.2.50',
        context: { defaultGatewayMac: '02:00:00:00:00:01' },
        findings: [{ toolId: 'anydesk', category: 'remote-desktop' }],
      });
      const groups = await s.networkGroups(at(-60).toISOString(), 2);
      expect(groups.map((g) => [g.kind, g.hostCount])).toEqual([
        ['gateway-mac', 3],
        ['public-ip', 3],
      ]);
      await s.close();
    });
  });
}
