import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../../server/store/migrations.ts';
import { openPostgres, openSqlite, type OpenedDb } from '../../../../server/store/open.ts';
import { recountOpenFindings } from '../../../../server/store/open-counts.ts';
import { SqlStore } from '../../../../server/store/sql-store.ts';
import type { FindingRow } from '../../../../server/store/types.ts';
import { finding, item, SimAgent } from '../../../helpers/server/reports.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS } from '../../../helpers/server/stores.ts';

// The overview sums per-host open counts kept by ingest (not a count over the findings table): they must
// equal what the findings table says after findings appear, resolve and reappear, and a recount after a
// bulk load (or the migration on an existing database) must rebuild them.

afterAll(() => cleanupDatabases());

const T0 = new Date('2026-11-30T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function tally(rows: FindingRow[]) {
  const severity: Record<string, number> = {};
  const category: Record<string, number> = {};
  for (const f of rows) {
    severity[f.severity] = (severity[f.severity] ?? 0) + 1;
    category[f.tool.category] = (category[f.tool.category] ?? 0) + 1;
  }
  return { severity, category };
}

for (const kind of STORE_KINDS) {
  describe(`open finding counts on ${kind}`, { timeout: 300_000 }, () => {
    it('match the findings table through ingest, and a recount rebuilds them', async () => {
      const d = await freshDatabase(kind);
      const opened: OpenedDb = d.postgresUrl ? openPostgres(d.postgresUrl, 2) : openSqlite(d.sqliteFile!);
      await migrate(opened.db, opened.dialect);
      const s = new SqlStore(opened);
      try {
        const tunnel = (id: string) =>
          finding(id, { severity: 'critical', tool: { id: id.split(':')[0], name: 'ngrok', category: 'tunnel' } });
        const a = new SimAgent('agent-a', 'laptop-a');
        const b = new SimAgent('agent-b', 'laptop-b');
        const c = new SimAgent('agent-c', 'laptop-c');
        await s.ingest(
          [
            item(a.next([finding('anydesk:1'), tunnel('ngrok:1')], at(0)), '198.51.100.7', at(0)),
            item(b.next([tunnel('ngrok:2'), finding('vnc:2', { severity: 'medium' })], at(0)), '198.51.100.8', at(0)),
            item(c.next([], at(0)), '198.51.100.9', at(0)),
          ],
          3600,
        );
        await s.ingest([item(a.next([finding('anydesk:1')], at(60)), '198.51.100.7', at(60))], 3600); // ngrok:1 resolved
        await s.ingest([item(b.next([finding('vnc:2', { severity: 'medium' })], at(60)), '198.51.100.8', at(60))], 3600); // ngrok:2 resolved
        await s.ingest(
          [item(b.next([tunnel('ngrok:2'), finding('vnc:2', { severity: 'medium' })], at(120)), '198.51.100.8', at(120))],
          3600,
        ); // reopened

        const open = await s.listFindings({ open: true, limit: 1000, offset: 0 });
        const want = tally(open);
        expect(want).toEqual({ severity: { high: 1, critical: 1, medium: 1 }, category: { 'remote-desktop': 2, tunnel: 1 } });
        const o = await s.overview();
        expect({ severity: o.openFindings, category: o.openFindingsByCategory }).toEqual(want);
        expect((await s.getHost('agent-b'))!.openFindings).toBe(2);
        expect((await s.getHost('agent-c'))!.openFindings).toBe(0);

        // As after rows written straight into the table: counts wrong until recounted.
        await opened.db.updateTable('hosts').set({ open_findings: 0, open_counts: '{}' }).execute();
        expect((await s.overview()).openFindings).toEqual({});
        await opened.db.transaction().execute((tx) => recountOpenFindings(tx));
        const r = await s.overview();
        expect({ severity: r.openFindings, category: r.openFindingsByCategory }).toEqual(want);
        expect((await s.getHost('agent-a'))!.openFindings).toBe(1);
      } finally {
        await s.close();
      }
    });
  });
}
