import { afterAll, describe, expect, it } from 'vitest';
import { cleanupDatabases, freshStore, STORE_KINDS } from '../../../helpers/server/stores.ts';
import { finding, item, SimAgent } from '../../../helpers/server/reports.ts';

// Store reads behind the API's host search and the console's pages, alike on SQLite and PostgreSQL:
// search text is literal (% _ \ escaped) and case-insensitive; severity counts come from hosts.open_counts;
// the tools view lists each tool's first hosts; one host's key lookup counts only that host.

afterAll(() => cleanupDatabases());

const T0 = new Date('2026-12-02T08:00:00Z');

for (const kind of STORE_KINDS) {
  describe(kind, () => {
    it('searches, counts and lists like the pages expect', async () => {
      const store = await freshStore(kind);
      try {
        const hosts = [
          ['h1', 'Lap_%1', [finding('anydesk:1', { severity: 'critical' }), finding('ngrok:1', { severity: 'low' })]],
          ['h2', 'lapx1', [finding('anydesk:1', { severity: 'high' })]],
          ['h3', 'LAP\\2', [finding('ngrok:1', { severity: 'medium' })]],
          ['h4', 'desk-4', []],
        ] as const;
        for (const [id, name, f] of hosts) {
          await store.enrollAgent({ agentId: id, keyHash: `k-${id}`, hostname: name, at: T0.toISOString() });
          await store.ingest([item(new SimAgent(id, name).next([...f], T0), '198.51.100.1', T0)], 3600);
        }
        const names = async (q: string) => (await store.listHosts({ q, limit: 10, offset: 0 })).map((h) => h.hostname).sort();
        expect(await names('_%')).toEqual(['Lap_%1']); // literal, not wildcards
        expect(await names('LAP')).toEqual(['LAP\\2', 'Lap_%1', 'lapx1']); // any case, on PostgreSQL too
        expect(await names('\\')).toEqual(['LAP\\2']);
        expect(await names('h4')).toEqual(['desk-4']); // an exact agent id

        expect(await store.hostsByMaxSeverity()).toEqual({ info: 0, low: 0, medium: 1, high: 1, critical: 1 });

        const tools = await store.toolSummaries(1);
        expect(tools.map((t) => [t.toolId, t.hostCount, t.hosts.map((h) => h.hostname)])).toEqual([
          ['anydesk', 2, ['Lap_%1']],
          ['ngrok', 2, ['LAP\\2']],
        ]);
        expect((await store.toolSummaries(5)).map((t) => t.hosts.length)).toEqual([2, 2]);

        expect((await store.agentKeys(1, 'h2')).total).toBe(1);
        expect((await store.agentKeys(10)).total).toBe(4);
      } finally {
        await store.close();
      }
    });
  });
}
