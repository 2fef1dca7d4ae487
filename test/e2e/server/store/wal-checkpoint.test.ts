import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../../../server/store/open.ts';
import { type SqlStore, openStore } from '../../../../server/store/sql-store.ts';
import { WalCheckpointer } from '../../../../server/store/wal-checkpointer.ts';
import { finding, item, SimAgent } from '../../../helpers/server/reports.ts';
import { cleanupDatabases, freshDatabase } from '../../../helpers/server/stores.ts';

// The SQLite store's checkpoints on a worker thread (wal-checkpointer.ts), on a real database file: after
// ingest the worker's own connection has copied the whole log into the database, what was ingested reads back
// from a new connection, and a thread that cannot start says why (the store then checkpoints for itself).

afterAll(() => cleanupDatabases());

describe('WAL checkpoints off the event loop', () => {
  it('copies the ingested log into the database on the worker thread', async () => {
    const d = await freshDatabase('sqlite');
    const store = (await openStore({ ...d, checkpointIntervalMs: 0 })) as SqlStore;
    const cp = store.checkpointer!;
    expect(cp).toBeDefined();
    const agents = Array.from({ length: 40 }, (_, i) => new SimAgent(`cp-${i}`, `cp-${i}`));
    for (let round = 0; round < 5; round++) {
      const items = agents.map((a, i) => item(a.next(i % 5 ? [] : [finding(`anydesk:${i}`)])));
      expect(await store.ingest(items, 3600)).toEqual(items.map(() => 'stored'));
    }
    await cp.idle();
    expect(cp.count).toBeGreaterThan(0);
    // what bench:server prints: the time the checkpoints took, and the longest
    expect(cp.totalMs).toBeGreaterThan(0);
    expect(cp.maxMs).toBeGreaterThan(0);
    expect(cp.maxMs).toBeLessThanOrEqual(cp.totalMs);
    // One more checkpoint once ingest is quiet: every frame of the log is in the database file.
    cp.poke();
    await cp.idle();
    expect(cp.last?.error).toBeUndefined();
    expect(cp.last?.log).toBeGreaterThan(0);
    expect(cp.last?.checkpointed).toBe(cp.last?.log);
    await store.close();
    const other = openSqlite(d.sqliteFile!);
    const n = await other.db
      .selectFrom('reports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(200);
    await other.db.destroy();
  });

  it('reports a thread that cannot open the database', async () => {
    const d = await freshDatabase('sqlite');
    const why = await new Promise<string>((resolve) => {
      new WalCheckpointer(join(d.dataDir, 'missing.sqlite'), { minIntervalMs: 0, onExit: resolve });
    });
    expect(why).toMatch(/^checkpoint thread failed: .*(unable to open|does not exist|no such file)/i);
  });
});
