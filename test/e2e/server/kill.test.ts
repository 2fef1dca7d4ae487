import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../agent/config/load.ts';
import type { NativeReport } from '../../../agent/report/types.ts';
import { ReportClient } from '../../../agent/transport/client.ts';
import { request } from '../../helpers/server/http.ts';
import { SimAgent, finding } from '../../helpers/server/reports.ts';
import { spawnServer, stop, type ServerProcess } from '../../helpers/server/server-process.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS } from '../../helpers/server/stores.ts';

// kill -9 of the server while agents deliver: whatever it acknowledged is in the database after a
// restart, and what it did not, the agents send again (duplicates dropped by report id).

afterAll(() => cleanupDatabases());

async function enroll(s: ServerProcess, agentId: string): Promise<string> {
  const r = await request(`${s.url}/v1/enroll`, {
    body: JSON.stringify({ enrollSecret: s.enrollSecret, agentId, hostname: agentId }),
    caFile: s.caFile,
    headers: { 'content-type': 'application/json' },
  });
  expect(r.status, r.text).toBe(200);
  return r.json().key;
}

function client(s: ServerProcess, key: string): ReportClient {
  const config = loadConfig({
    env: {},
    flags: {
      endpointUrl: `${s.url}/v1/reports`,
      caFile: s.caFile,
      timeoutMs: '20000',
      connectTimeoutMs: '10000',
      spoolDir: '/nonexistent',
    },
  });
  return new ReportClient(config.endpoint as typeof config.endpoint & { url: string }, { env: { RATWATCH_TOKEN: key } });
}

for (const kind of STORE_KINDS) {
  describe(`kill -9 during ingest on ${kind}`, () => {
    it('loses no acknowledged report; the rest arrive once resent', async () => {
      const db = await freshDatabase(kind);
      const args = ['--data', `${db.dataDir}/server`, ...(db.postgresUrl ? ['--database', db.postgresUrl] : [])];
      let s = await spawnServer(args);
      const AGENTS = 20;
      const PER_AGENT = 15;
      const agents = await Promise.all(
        Array.from({ length: AGENTS }, async (_, i) => ({
          sim: new SimAgent(`kill-${i}`, `kill-${i}`),
          key: await enroll(s, `kill-${i}`),
        })),
      );
      const queues = agents.map((a) => Array.from({ length: PER_AGENT }, (_, n) => a.sim.next(n % 3 ? [] : [finding(`anydesk:${n}`)])));
      const acked = new Set<string>();
      let killed = false;
      const deliver = async (i: number, reports: NativeReport[]) => {
        const c = client(s, agents[i].key);
        try {
          for (const r of reports) {
            const out = await c.send(r);
            if (out.outcome === 'delivered') acked.add(r.reportId);
            else break; // an agent keeps the order: it stops at the first failure
          }
        } finally {
          c.close();
        }
      };
      const running = agents.map((_, i) => deliver(i, queues[i]));
      const killer = (async () => {
        while (acked.size < (AGENTS * PER_AGENT) / 3) await new Promise((r) => setTimeout(r, 5));
        s.child.kill('SIGKILL');
        killed = true;
      })();
      await Promise.all([...running, killer]);
      expect(killed).toBe(true);
      expect(acked.size).toBeGreaterThan(0);
      expect(acked.size).toBeLessThan(AGENTS * PER_AGENT);
      await stop(s);

      s = await spawnServer(args);
      // The agents resend everything they have no acknowledgement for, in order.
      await Promise.all(
        agents.map((_, i) =>
          deliver(
            i,
            queues[i].filter((r) => !acked.has(r.reportId)),
          ),
        ),
      );
      const stored = new Set<string>();
      for (const a of agents) {
        const key = await enroll(s, `probe-${a.sim.agentId}`); // any request proves the server is serving
        expect(key).toMatch(/^rwa_/);
      }
      await stop(s);
      const { openStore } = await import('../../../server/store/sql-store.ts');
      const store = await openStore(
        db.postgresUrl ? { postgresUrl: db.postgresUrl } : { sqliteFile: `${db.dataDir}/server/ratwatch.sqlite` },
      );
      for (const a of agents) for (const r of await store.listReports(a.sim.agentId, 1000)) stored.add(r.reportId);
      const total = await store.countReports();
      const hosts = await store.listHosts({ limit: 100, offset: 0 });
      await store.close();
      for (const id of acked) expect(stored.has(id), `acknowledged report ${id} lost`).toBe(true);
      expect(stored.size).toBe(AGENTS * PER_AGENT);
      expect(total).toBe(AGENTS * PER_AGENT);
      expect(hosts.every((h) => h.lastSequence === PER_AGENT)).toBe(true);
    }, 600_000);
  });
}
