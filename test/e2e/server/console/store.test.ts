// The console's data on the real store, SQLite and PostgreSQL alike: the simulated farm fleet ingested by
// the store's own ingest transaction from reports the agent's planner and encoder made, then every read
// the pages make (filters, sorts, pages, totals, host detail, tools, groups, trend) and the admin writes
// with their audit entries.
import { afterAll, describe, expect, it } from 'vitest';
import { StoreConsoleData } from '../../../../server/console/store-data.ts';
import { EnrollmentSecrets } from '../../../../server/enrollment-secrets.ts';
import { farmRound } from '../../../../server/jobs/farm-round.ts';
import { openStore } from '../../../../server/store/sql-store.ts';
import { consoleFleet, FARM_MAC, HOSTILE_ID, OFFICE_IP, plannedReports } from '../../../helpers/console-fleet.ts';
import { item } from '../../../helpers/server/reports.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS } from '../../../helpers/server/stores.ts';

afterAll(() => cleanupDatabases());

const ORDINARY = 30;
const TOTAL = ORDINARY + 57;

for (const kind of STORE_KINDS) {
  describe(`console data on ${kind}`, () => {
    it('reads, filters, sorts and pages the fleet, and records every admin action', async () => {
      const store = await openStore(await freshDatabase(kind));
      try {
        const now = () => new Date();
        let days = 90;
        const data = new StoreConsoleData({
          store,
          now,
          log: () => undefined,
          setup: { serverUrl: 'https://ratwatch.test:8443' },
          enrollment: await EnrollmentSecrets.open(store, undefined, now),
          farmSeed: {},
          configNotifiers: [],
          evaluateFarms: async () => void (await farmRound({ store, seed: {} }, now())),
          retention: { get: () => days, set: async (d) => void (days = d) },
        });
        const fleet = consoleFleet(ORDINARY);
        const items = fleet.flatMap((h) => plannedReports(h).map((r) => item(r, h.ip)));
        for (const h of fleet)
          await store.enrollAgent({ agentId: h.agentId, keyHash: `hash-of-${h.agentId}`, hostname: h.hostname, at: now().toISOString() });
        await store.ingest(items, 3600);
        await data.evaluateGroups('alice');
        expect((await data.createUser({ name: 'alice', role: 'admin', password: 'admin password 1' }, 'alice')).ok).toBe(true);

        const all = await data.listHosts({}, { key: 'severity', dir: 'desc' }, { offset: 0, limit: 50 });
        expect(all.total).toBe(TOTAL);
        expect(all.rows).toHaveLength(50);
        expect(all.rows[0]).toMatchObject({ agentId: HOSTILE_ID, maxSeverity: 'critical', tools: ['ngrok'] });
        const last = await data.listHosts({}, { key: 'severity', dir: 'desc' }, { offset: 50, limit: 50 });
        expect(last.rows).toHaveLength(TOTAL - 50);
        expect(new Set([...all.rows, ...last.rows].map((h) => h.agentId)).size).toBe(TOTAL);

        const anydesk = await data.listHosts({ toolId: 'anydesk' }, { key: 'hostname', dir: 'asc' }, { offset: 0, limit: 50 });
        expect(anydesk).toMatchObject({ total: 2, rows: [{ agentId: 'farm0', tools: ['AnyDesk'] }, { agentId: 'farm1' }] });
        expect(
          (await data.listHosts({ minSeverity: 'critical' }, { key: 'hostname', dir: 'asc' }, { offset: 0, limit: 50 })).rows.map(
            (h) => h.agentId,
          ),
        ).toEqual([HOSTILE_ID]);
        expect(
          (await data.listHosts({ q: 'office1', os: 'darwin' }, { key: 'hostname', dir: 'desc' }, { offset: 0, limit: 5 })).rows.map(
            (h) => h.agentId,
          ),
        ).toEqual(['office19', 'office18', 'office17', 'office16', 'office15']);
        expect((await data.listHosts({ q: 'OFFICE1' }, { key: 'hostname', dir: 'asc' }, { offset: 0, limit: 50 })).total).toBe(11); // office1, office10-19
        expect((await data.listHosts({ q: 'office_' }, { key: 'hostname', dir: 'asc' }, { offset: 0, limit: 50 })).total).toBe(0); // _ is no wildcard
        expect((await data.listHosts({ user: 'farm3@corp.example' }, { key: 'user', dir: 'asc' }, { offset: 0, limit: 5 })).total).toBe(1);
        expect(
          (await data.listHosts({ lastSeenBefore: '2000-01-01T00:00:00Z' }, { key: 'lastSeen', dir: 'asc' }, { offset: 0, limit: 5 }))
            .total,
        ).toBe(0);
        expect((await data.listHosts({ status: 'silent' }, { key: 'status', dir: 'asc' }, { offset: 0, limit: 5 })).total).toBe(0);

        const o = await data.overview(now());
        expect(o.hosts).toEqual({ total: TOTAL, online: TOTAL, offline: 0, silent: 0 });
        expect(o.hostsBySeverity).toMatchObject({ critical: 1, high: 4 });
        expect(o.topTools[0]).toMatchObject({ toolId: 'anydesk', hosts: 2 });
        expect(o.trend).toHaveLength(30);
        expect(o.trend.at(-1)).toEqual({ day: now().toISOString().slice(0, 10), findings: 5, silent: 0 });
        expect(o.trend[0].findings).toBe(0);
        expect(o.groups.total).toBeGreaterThanOrEqual(2); // the farm, and the office until it is allow-listed

        const farm0 = (await data.host('farm0'))!;
        expect(farm0.groups.some((g) => g.includes(FARM_MAC))).toBe(true);
        expect(farm0.timeline.map((e) => e.type)).toEqual(
          expect.arrayContaining(['sequence-gap', 'context-changed', 'finding-new', 'first-report']),
        );
        const hostile = (await data.host(HOSTILE_ID))!;
        expect(hostile.findings.map((f) => [f.tool.id, f.resolvedAt ? 'resolved' : 'open'])).toEqual([
          ['ngrok', 'open'],
          ['tailscale', 'resolved'],
        ]);
        expect(await data.host('nobody')).toBeUndefined();
        expect((await data.tools()).map((t) => [t.toolId, t.hostCount])).toEqual([
          ['anydesk', 2],
          ['teamviewer', 2],
          ['ngrok', 1],
        ]);
        expect(await data.hostFacets()).toMatchObject({ os: ['darwin', 'linux', 'windows'] });

        const farmAlert = (await data.alerts({ status: 'open' })).find((a) => a.rule === 'laptop-farm' && a.subject.includes(FARM_MAC))!;
        const alice = { name: 'alice', role: 'admin' as const };
        const bob = { name: 'bob', role: 'admin' as const };
        expect(await data.moveAlert(String(farmAlert.id), 'acknowledged', alice)).toEqual({ ok: true, message: 'Alert acknowledged.' });
        expect(await data.moveAlert(String(farmAlert.id), 'acknowledged', alice)).toEqual({
          ok: false,
          error: 'The alert is already acknowledged.',
        });
        expect((await data.moveAlert(String(farmAlert.id), 'closed', bob)).ok).toBe(true);
        expect((await data.alerts({ status: 'closed' }))[0]).toMatchObject({ ackBy: 'alice', closedBy: 'bob' });
        expect((await data.moveAlert('999999', 'acknowledged', alice)).ok).toBe(false);

        expect(await data.addOfficeNetwork({ kind: 'cidr', value: OFFICE_IP, note: 'HQ' }, 'alice')).toEqual({
          ok: true,
          message: `Office network ${OFFICE_IP} added.`,
        });
        expect((await data.addOfficeNetwork({ kind: 'cidr', value: OFFICE_IP }, 'alice')).ok).toBe(false);
        expect((await data.addOfficeNetwork({ kind: 'gateway-mac', value: 'AA-BB-CC-DD-EE-01' }, 'alice')).ok).toBe(true);
        expect((await data.officeNetworks()).map((n) => [n.id, n.addedBy, n.note])).toEqual([
          [`cidr:${OFFICE_IP}`, 'alice', 'HQ'],
          ['gateway-mac:aa:bb:cc:dd:ee:01', 'alice', undefined],
        ]);
        expect((await data.groups()).map((g) => g.subject)).toEqual([`farm:gateway-mac:${FARM_MAC}`]);
        expect((await data.removeOfficeNetwork('gateway-mac:aa:bb:cc:dd:ee:01', 'alice')).ok).toBe(true);

        expect((await data.replaceExpectedRegions([{ user: 'home1@corp.example', countries: ['US'], timezones: [] }], 'alice')).ok).toBe(
          true,
        );
        expect(await data.expectedRegions()).toEqual([{ user: 'home1@corp.example', countries: ['US'], timezones: [] }]);

        expect((await data.createUser({ name: 'victor', role: 'viewer', password: 'viewer password 1' }, 'alice')).ok).toBe(true);
        expect(await data.verify('victor', 'viewer password 1')).toMatchObject({ name: 'victor', role: 'viewer' });
        expect(await data.verify('victor', 'wrong')).toBeUndefined();
        expect(await data.verify('nobody', 'viewer password 1')).toBeUndefined();
        expect((await data.setUserRole('victor', 'admin', 'alice')).ok).toBe(true);
        expect((await data.setUserRole('victor', 'viewer', 'alice')).ok).toBe(true);
        expect(await data.setUserRole('victor', 'viewer', 'alice')).toEqual({ ok: true, message: 'victor is now viewer.' });
        expect((await data.deleteUser('victor', 'alice')).ok).toBe(true);
        expect(await data.verify('victor', 'viewer password 1')).toBeUndefined();

        const key = await data.agentKeys(5);
        expect(key.total).toBe(TOTAL);
        expect((await data.revokeAgentKey('farm2', 'alice')).ok).toBe(true);
        expect((await data.revokeAgentKey('farm2', 'alice')).ok).toBe(false);
        expect((await data.host('farm2'))!.keyRevokedAt).toBeTruthy();

        expect((await data.setRetention({ reportDays: 30 }, 'alice')).ok).toBe(true);
        expect(await data.retention()).toEqual({ reportDays: 30 });

        const actions = (await data.auditLog(100)).map((e) => `${e.actor} ${e.action}`);
        expect(actions).toEqual([
          'alice retention.set',
          'alice agent.revoke',
          'alice user.delete',
          'alice user.role',
          'alice user.role',
          'alice user.role',
          'alice user.create',
          'alice regions.replace',
          'alice office.remove',
          'alice office.add',
          'alice office.add',
          'bob alert.closed',
          'alice alert.acknowledged',
          'alice user.create',
          'alice farm.evaluate',
        ]);
      } finally {
        await store.close();
      }
    }, 180_000);
  });
}
