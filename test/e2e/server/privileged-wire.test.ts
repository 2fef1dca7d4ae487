import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, startServer } from '../../../server/app.ts';
import { request } from '../../helpers/server/http.ts';
import { item, SimAgent } from '../../helpers/server/reports.ts';
import { cleanupDatabases, freshDatabase } from '../../helpers/server/stores.ts';

// End to end: the agent's planner carries the scan's privileged flag into the report, the real server
// validates it against shared/schemas/report.schema.json, stores it on the host and records the
// unprivileged scan as an event and a deduplicated alert.

afterAll(() => cleanupDatabases());

describe('privileged flag from scan to server', { timeout: 300_000 }, () => {
  it('the report carries the flag only when the scan has one', () => {
    expect(new SimAgent('p-0', 'p0').next([], new Date(), { privileged: false }).privileged).toBe(false);
    expect(new SimAgent('p-0', 'p0').next([], new Date(), { privileged: true }).privileged).toBe(true);
    expect('privileged' in new SimAgent('p-0', 'p0').next([], new Date())).toBe(false);
  });

  it('an unprivileged scan shows on the host, in its timeline and as one alert', async () => {
    const db = await freshDatabase('sqlite');
    const srv = await startServer(
      defaultConfig({ dataDir: db.dataDir, host: '127.0.0.1', port: 0, tls: 'none', periodicIntervalMs: 3_600_000, log: () => undefined }),
    );
    try {
      const e = await request(`${srv.url}/v1/enroll`, {
        body: JSON.stringify({ enrollSecret: srv.enrollSecret, agentId: 'p-1', hostname: 'p1' }),
      });
      const key = e.json().key as string;
      const agent = new SimAgent('p-1', 'p1');
      for (const privileged of [true, false, false]) {
        const r = await request(srv.ingestUrl, {
          body: gzipSync(item(agent.next([], new Date(), { privileged })).body),
          headers: { authorization: `Bearer ${key}`, 'content-encoding': 'gzip' },
        });
        expect(r.status, r.text).toBe(200);
      }
      expect((await srv.store.getHost('p-1'))!.privileged).toBe(false);
      const events = (await srv.store.timeline('p-1', 50)).filter((ev) => ev.type === 'unprivileged-scan');
      expect(events).toHaveLength(2);
      const alerts = (await srv.store.listAlerts({ limit: 10, offset: 0 })).filter((a) => a.rule === 'unprivileged-scan');
      expect(alerts.map((a) => [a.subject, a.occurrences])).toEqual([['p-1', 2]]);
    } finally {
      await srv.close();
    }
  });
});
