import { afterAll, describe, expect, it } from 'vitest';
import { farmRound } from '../../../server/jobs/farm-round.ts';
import { item, SimAgent } from '../../helpers/server/reports.ts';
import { cleanupDatabases, freshStore, STORE_KINDS } from '../../helpers/server/stores.ts';

// The report's host.user reaches the store per host and the farm rule counts distinct people by it:
// one person's two laptops on one home network are not a farm; a second person's laptop there is.

afterAll(() => cleanupDatabases());

const NOW = new Date('2026-12-01T10:00:00Z');
const MAC = '9c:53:22:10:aa:01';

for (const kind of STORE_KINDS) {
  describe(`farm users on ${kind}`, { timeout: 200_000 }, () => {
    it('keeps the user per host and counts hosts of one user as one', async () => {
      const store = await freshStore(kind);
      try {
        let ip = 50; // a public IP each, so only the shared gateway ties them
        const send = async (id: string, user: string, at: Date) => {
          const a = new SimAgent(id, `${id}-host`, { timezone: 'America/Chicago', defaultGatewayMac: MAC });
          const r = a.next([], at);
          await store.ingest([item({ ...r, host: { ...r.host, user } }, `203.0.113.${ip++}`, at)], 3600);
        };
        await send('lap-1', 'CORP\\alice', new Date(NOW.getTime() - 3600_000));
        await send('lap-2', 'alice@corp.example', new Date(NOW.getTime() - 1800_000));
        expect((await store.getHost('lap-1'))?.user).toBe('CORP\\alice');
        const o = { store, seed: { windowHours: 24 } };
        expect((await farmRound(o, NOW)).alerts).toBe(0);

        await send('lap-3', 'bob', new Date(NOW.getTime() - 600_000));
        const r = await farmRound(o, NOW);
        expect(r.alerts).toBe(1);
        const [alert] = await store.listAlerts({ rule: 'laptop-farm', limit: 5, offset: 0 });
        expect(alert.explanation).toMatchObject({ kind: 'farm', hostCount: 3, distinctUsers: 2 });
        expect(alert.severity).toBe('high'); // 2 people: high; 3 or more: critical
      } finally {
        await store.close();
      }
    });
  });
}
