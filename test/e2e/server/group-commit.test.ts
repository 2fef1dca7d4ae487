import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { NativeReport } from '../../../agent/report/types.ts';
import { IngestBatcher } from '../../../server/ingest/batcher.ts';
import type { IngestItem } from '../../../server/ingest/report-types.ts';
import { openPostgres, openSqlite } from '../../../server/store/open.ts';
import { openStore } from '../../../server/store/sql-store.ts';
import type { Store } from '../../../server/store/types.ts';
import { finding, item, SimAgent } from '../../helpers/server/reports.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS, type StoreKind } from '../../helpers/server/stores.ts';

// Group commit on real SQLite and PostgreSQL: many reports in one transaction with multi-row statements
// must leave exactly the fleet state that one report per transaction leaves, drop a report sent twice,
// and not let one report the database refuses fail the others of its batch.

afterAll(() => cleanupDatabases());

const T0 = new Date('2026-11-30T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/** Three agents' reports, each agent's in sequence order, interleaved; every branch of the ingest logic once. */
function fleetReports(): IngestItem[][] {
  const a = new SimAgent('agent-a', 'laptop-a', { timezone: 'Europe/Berlin', defaultGatewayMac: 'AA:00:00:00:00:01' });
  const b = new SimAgent('agent-b', 'laptop-b');
  const c = new SimAgent('agent-c', 'laptop-c');
  const ngrok = (id: string) => finding(id, { tool: { id: 'ngrok', name: 'ngrok', category: 'tunnel' } });
  const round1 = [
    item(a.next([finding('anydesk:1'), ngrok('ngrok:1')], at(0)), '198.51.100.7', at(0)),
    item(b.next([], at(0)), '198.51.100.8', at(0)),
    item(a.next([finding('anydesk:1')], at(60)), '203.0.113.9', at(60)), // ngrok resolved, context changed
    item(c.next([finding('vnc:1')], at(1)), '198.51.100.9', at(1)),
    item(a.next([finding('anydesk:1')], at(120)), '203.0.113.9', at(120)), // heartbeat: anydesk still there
  ];
  b.next([], at(60)); // lost: a sequence gap
  const round2 = [
    item({ ...b.next([], at(120)), agentVersion: '0.0.9', privileged: false }, '198.51.100.8', at(120)),
    item(c.next([], at(61)), '198.51.100.9', at(61)), // vnc resolved
    item(a.next([finding('anydesk:1'), ngrok('ngrok:1')], at(180)), '203.0.113.9', at(180)), // ngrok reopened
    item(c.next([finding('vnc:1')], at(121)), '198.51.100.9', at(121)), // vnc reopened
  ];
  return [round1, round2];
}

async function state(s: Store) {
  const out: Record<string, unknown> = {};
  for (const id of ['agent-a', 'agent-b', 'agent-c']) {
    out[id] = {
      host: await s.getHost(id),
      findings: (await s.listFindings({ agentId: id, limit: 100, offset: 0 })).sort((x, y) => x.findingId.localeCompare(y.findingId)),
      timeline: await s.timeline(id, 100),
      context: await s.contextHistory(id, 100),
      reports: (await s.listReports(id, 100)).length,
    };
  }
  out.alerts = (await s.listAlerts({ limit: 100, offset: 0 }))
    .map(({ id: _rowId, ...a }) => a)
    .sort((x, y) => `${x.rule}${x.subject}`.localeCompare(`${y.rule}${y.subject}`));
  out.overview = await s.overview();
  return out;
}

async function twoStores(kind: StoreKind): Promise<[Store, Store, { sqliteFile?: string; postgresUrl?: string }]> {
  const d = await freshDatabase(kind);
  return [await openStore(d), await openStore(d), d];
}

/** A real database refusal for one report: a trigger that aborts the insert of host "poison". */
async function poisonHosts(d: { sqliteFile?: string; postgresUrl?: string }): Promise<void> {
  const o = d.postgresUrl ? openPostgres(d.postgresUrl, 1) : openSqlite(d.sqliteFile!);
  if (o.dialect === 'sqlite') {
    await sql`create trigger poison before insert on hosts when new.hostname = 'poison' begin select raise(abort, 'poisoned host'); end`.execute(
      o.db,
    );
  } else {
    await sql`create function poison() returns trigger language plpgsql as $$ begin if new.hostname = 'poison' then raise exception 'poisoned host'; end if; return new; end $$`.execute(
      o.db,
    );
    await sql`create trigger poison before insert on hosts for each row execute function poison()`.execute(o.db);
  }
  await o.db.destroy();
}

for (const kind of STORE_KINDS) {
  describe(`group commit on ${kind}`, { timeout: 300_000 }, () => {
    it('leaves the same fleet state in one transaction as one report per transaction', async () => {
      const single = await openStore(await freshDatabase(kind));
      const batch = await openStore(await freshDatabase(kind));
      const rounds = fleetReports();
      for (const r of rounds) {
        // one at a time in the order the batch applies them (by agent, then sequence)
        const sorted = [...r].sort((x, y) => x.report.agentId.localeCompare(y.report.agentId) || x.report.sequence - y.report.sequence);
        for (const it of sorted) expect(await single.ingest([it], 3600)).toEqual(['stored']);
        expect(await batch.ingest(r, 3600)).toEqual(r.map(() => 'stored'));
      }
      const want = await state(single);
      const got = await state(batch);
      expect(got).toEqual(want);
      // and the state is the one the logic means, not just the same twice
      expect(want['agent-a']).toMatchObject({ host: { openFindings: 2, lastSequence: 4, publicIp: '203.0.113.9' }, reports: 4 });
      expect((want['agent-a'] as { timeline: Array<{ type: string }> }).timeline.map((e) => e.type).reverse()).toEqual([
        'first-report',
        'finding-new',
        'finding-new',
        'context-changed',
        'finding-resolved',
        'finding-reopened',
      ]);
      expect((want['agent-b'] as { timeline: Array<{ type: string }> }).timeline.map((e) => e.type).reverse()).toEqual([
        'first-report',
        'sequence-gap',
        'agent-downgrade',
        'unprivileged-scan',
      ]);
      expect(want['agent-c']).toMatchObject({ host: { openFindings: 1, lastSequence: 3 } });
      expect(want.overview).toMatchObject({ hosts: { total: 3 } });
      await single.close();
      await batch.close();
    });

    it('stores a report sent twice into one batch once', async () => {
      const d = await freshDatabase(kind);
      const s = await openStore(d);
      const batcher = new IngestBatcher(s, { maxQueue: 100, maxBatch: 64, defaultIntervalS: 3600 });
      const agents = Array.from({ length: 5 }, (_, i) => new SimAgent(`dup-${i}`, `dup-${i}`));
      const first = batcher.submit(item(agents[0].next([]))); // all six queue before the batch starts
      const twice = item(agents[1].next([finding('anydesk:1')]));
      const rest = [twice, item(agents[2].next([])), { ...twice }, item(agents[3].next([])), item(agents[4].next([]))].map((it) =>
        batcher.submit(it),
      );
      expect(batcher.depth).toBe(6);
      expect(await first).toBe('stored');
      expect(await Promise.all(rest)).toEqual(['stored', 'stored', 'duplicate', 'stored', 'stored']);
      expect(await s.countReports()).toBe(5);
      expect((await s.getHost('dup-1'))!.openFindings).toBe(1);
      expect(await s.listFindings({ agentId: 'dup-1', limit: 10, offset: 0 })).toHaveLength(1);
      await s.close();
    });

    // Several instances share a database on PostgreSQL only (SQLite is one server's embedded file).
    if (kind === 'postgres')
      it('stores the same batch received by two instances at once exactly once', async () => {
        const [s1, s2] = await twoStores(kind);
        const agents = Array.from({ length: 20 }, (_, i) => new SimAgent(`both-${i}`, `both-${i}`));
        const reports: NativeReport[] = agents.flatMap((a, i) => [
          a.next(i % 4 ? [] : [finding(`anydesk:${i}`)], at(0)),
          a.next([], at(60)),
        ]);
        const items = reports.map((r) => item(r, '198.51.100.7', at(1)));
        const [o1, o2] = await Promise.all([s1.ingest(items, 3600), s2.ingest([...items].reverse(), 3600)]);
        o2.reverse();
        for (let i = 0; i < items.length; i++) expect([o1[i], o2[i]].sort()).toEqual(['duplicate', 'stored']);
        expect(await s1.countReports()).toBe(40);
        const hosts = await s1.listHosts({ limit: 100, offset: 0 });
        expect(hosts).toHaveLength(20);
        expect(hosts.every((h) => h.lastSequence === 2)).toBe(true);
        expect((await s1.timeline('both-0', 100)).filter((e) => e.type === 'first-report')).toHaveLength(1);
        await s1.close();
        await s2.close();
      });

    it('does not fail a batch for the one report the database refuses', async () => {
      const d = await freshDatabase(kind);
      const s = await openStore(d);
      await poisonHosts(d);
      const batcher = new IngestBatcher(s, { maxQueue: 100, maxBatch: 64, defaultIntervalS: 3600 });
      const lead = batcher.submit(item(new SimAgent('lead', 'lead').next([])));
      const good = Array.from({ length: 4 }, (_, i) => item(new SimAgent(`good-${i}`, `good-${i}`).next([finding(`anydesk:${i}`)])));
      const bad = item(new SimAgent('bad', 'poison').next([]));
      const answers = [good[0], good[1], bad, good[2], good[3]].map((it) =>
        batcher.submit(it).then(
          (o) => o,
          (e: Error) => `refused: ${e.message}`,
        ),
      );
      expect(await lead).toBe('stored');
      const out = await Promise.all(answers);
      expect(out.filter((o) => o === 'stored')).toHaveLength(4);
      expect(out[2]).toMatch(/refused: .*poisoned host/);
      expect(await s.countReports()).toBe(5); // the refused report's row went with its transaction
      expect(await s.listReports('bad', 10)).toEqual([]);
      expect((await s.listHosts({ limit: 100, offset: 0 })).map((h) => h.agentId).sort()).toEqual([
        'good-0',
        'good-1',
        'good-2',
        'good-3',
        'lead',
      ]);
      // the batcher keeps going
      expect(await batcher.submit(item(new SimAgent('after', 'after').next([])))).toBe('stored');
      await s.close();
    });
  });
}
