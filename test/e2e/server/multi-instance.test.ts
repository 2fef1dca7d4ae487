import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { farmRound } from '../../../server/jobs/farm-round.ts';
import { PeriodicJobs } from '../../../server/jobs/periodic.ts';
import { openStore } from '../../../server/store/sql-store.ts';
import { request } from '../../helpers/server/http.ts';
import { item, SimAgent } from '../../helpers/server/reports.ts';
import { spawnServer, stop } from '../../helpers/server/server-process.ts';
import { cleanupDatabases, freshDatabase } from '../../helpers/server/stores.ts';

// Several server processes on one PostgreSQL: the same report sent to both at once is stored once, and
// periodic work (liveness, the laptop-farm hook) runs once per round across instances.

afterAll(() => cleanupDatabases());

describe('two server instances on one PostgreSQL', () => {
  it('store one row for a report both receive at once, and split traffic lands in one fleet', async () => {
    const db = await freshDatabase('postgres');
    const [a, b] = await Promise.all([
      spawnServer(['--data', `${db.dataDir}/a`, '--database', db.postgresUrl!]),
      spawnServer(['--data', `${db.dataDir}/b`, '--database', db.postgresUrl!]),
    ]);
    try {
      expect(a.enrollSecret).toBe(b.enrollSecret); // one fleet secret, kept in the database
      const enroll = async (agentId: string) =>
        (
          await request(`${a.url}/v1/enroll`, {
            body: JSON.stringify({ enrollSecret: a.enrollSecret, agentId, hostname: agentId }),
            caFile: a.caFile,
          })
        ).json().key as string;
      const sims = Array.from(
        { length: 10 },
        (_, i) => new SimAgent(`multi-${i}`, `multi-${i}`, { defaultGatewayMac: '02:00:00:00:00:99' }),
      );
      const keys = await Promise.all(sims.map((s) => enroll(s.agentId)));
      const send = (url: string, ca: string, key: string, body: Buffer) =>
        request(`${url}/v1/reports`, { body, caFile: ca, headers: { authorization: `Bearer ${key}`, 'content-encoding': 'gzip' } });
      const answers: string[] = [];
      for (let round = 0; round < 3; round++) {
        await Promise.all(
          sims.map(async (s, i) => {
            const body = gzipSync(item(s.next([])).body);
            const [ra, rb] = await Promise.all([send(a.url, a.caFile, keys[i], body), send(b.url, b.caFile, keys[i], body)]);
            expect([ra.status, rb.status]).toEqual([200, 200]);
            answers.push([ra.json().status, rb.json().status].sort().join('+'));
          }),
        );
      }
      expect(new Set(answers)).toEqual(new Set(['duplicate+stored']));
    } finally {
      await Promise.all([stop(a), stop(b)]);
    }
    const s1 = await openStore({ postgresUrl: db.postgresUrl });
    const s2 = await openStore({ postgresUrl: db.postgresUrl });
    try {
      expect(await s1.countReports()).toBe(30);
      const hosts = await s1.listHosts({ limit: 100, offset: 0 });
      expect(hosts.map((h) => h.lastSequence)).toEqual(Array(10).fill(3));

      // One round on each instance at the same moment: each job runs on exactly one of them.
      // The real farm round (the server's): 10 hosts behind one gateway MAC, each its own user.
      const opts = (store: typeof s1) => ({
        store,
        now: () => new Date(),
        intervalMs: 60_000,
        retentionDays: 90,
        farmRound: (now: Date) => farmRound({ store, seed: {} }, now),
        log: () => undefined,
      });
      const [r1, r2] = await Promise.all([new PeriodicJobs(opts(s1)).round(), new PeriodicJobs(opts(s2)).round()]);
      for (const job of ['liveness', 'farm-correlation', 'retention'])
        expect([r1.ran.includes(job), r2.ran.includes(job)].filter(Boolean), job).toHaveLength(1);
      const alerts = await s1.listAlerts({ rule: 'laptop-farm', limit: 10, offset: 0 });
      expect(alerts).toMatchObject([{ severity: 'critical', occurrences: 1 }]);
      expect(alerts[0].agentIds).toHaveLength(10);
    } finally {
      await s1.close();
      await s2.close();
    }
  }, 600_000);
});
