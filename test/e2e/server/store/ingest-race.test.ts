import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../../server/store/sql-store.ts';
import { item, SimAgent } from '../../../helpers/server/reports.ts';
import { cleanupDatabases, freshDatabase } from '../../../helpers/server/stores.ts';

// Two server instances (two stores, two connection pools) on one PostgreSQL receive the first two reports
// of a new agent at the same moment. Without a lock on the agent, both transactions see no host row and
// the later commit overwrites last_sequence with whatever it computed (sometimes the older report's).

afterAll(() => cleanupDatabases());

const T0 = new Date('2026-12-01T08:00:00.000Z');

describe('postgres: a new agent reporting to two instances at once', () => {
  it('keeps the newest sequence and one first-report, for every agent', async () => {
    const db = await freshDatabase('postgres');
    const s1 = await openStore({ postgresUrl: db.postgresUrl });
    const s2 = await openStore({ postgresUrl: db.postgresUrl });
    try {
      const agents = Array.from({ length: 40 }, (_, i) => new SimAgent(`race-${i}`, `race-${i}`));
      await Promise.all(
        agents.map(async (a) => {
          a.next([], T0); // report 1 is lost: a sequence 1 after a 2 would read as a reinstall (sequence-reset)
          const first = item(a.next([], T0), '198.51.100.1', T0);
          const second = item(a.next([], new Date(T0.getTime() + 1000)), '198.51.100.2', new Date(T0.getTime() + 1000));
          const [r1, r2] = await Promise.all([s1.ingest([first], 3600), s2.ingest([second], 3600)]);
          expect([r1, r2]).toEqual([['stored'], ['stored']]);
        }),
      );
      for (const a of agents) {
        const h = await s1.getHost(a.agentId);
        expect(h?.lastSequence, a.agentId).toBe(3);
        const firsts = (await s1.timeline(a.agentId, 100)).filter((e) => e.type === 'first-report');
        expect(firsts, a.agentId).toHaveLength(1);
      }
      expect(await s1.countReports()).toBe(80);
    } finally {
      await s1.close();
      await s2.close();
    }
  }, 300_000);
});
