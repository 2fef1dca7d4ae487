import { statSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../../../server/store/open.ts';
import { openStore } from '../../../../server/store/sql-store.ts';
import { commitThenSync } from '../../../../server/store/wal-sync.ts';
import { cleanupDatabases, freshDatabase } from '../../../helpers/server/stores.ts';

// The SQLite ingest commit (wal-sync.ts) on a real database file: the transaction runs under synchronous =
// NORMAL, every other statement under FULL before and after, also when the transaction fails; what it
// committed is in the write-ahead log it then fsyncs, and other connections see it.

afterAll(() => cleanupDatabases());

const level = async (db: Parameters<typeof commitThenSync>[0]) =>
  Number(((await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0] as { synchronous: number }).synchronous);

describe('commitThenSync on SQLite', () => {
  it('commits under NORMAL into the fsynced log and leaves FULL for every other write, also on failure', async () => {
    const d = await freshDatabase('sqlite');
    await openStore(d).then((s) => s.close()); // the schema
    const o = openSqlite(d.sqliteFile!);
    expect(o.walFile).toBe(`${d.sqliteFile}-wal`);
    expect(await level(o.db)).toBe(2); // FULL
    let inside = -1;
    await commitThenSync(o.db, o.walFile!, (db) =>
      db.transaction().execute(async (tx) => {
        inside = await level(tx);
        await tx.insertInto('settings').values({ key: 'k', value: 'v' }).execute();
      }),
    );
    expect(inside).toBe(1); // NORMAL
    expect(await level(o.db)).toBe(2);
    expect(statSync(o.walFile!).size).toBeGreaterThan(0);
    const other = openSqlite(d.sqliteFile!);
    expect(await other.db.selectFrom('settings').select('value').where('key', '=', 'k').executeTakeFirst()).toEqual({ value: 'v' });

    await expect(
      commitThenSync(o.db, o.walFile!, (db) =>
        db.transaction().execute(async (tx) => {
          await tx.insertInto('settings').values({ key: 'k2', value: 'v' }).execute();
          throw new Error('refused');
        }),
      ),
    ).rejects.toThrow('refused');
    expect(await level(o.db)).toBe(2);
    expect(await other.db.selectFrom('settings').select('value').where('key', '=', 'k2').executeTakeFirst()).toBeUndefined();
    await other.db.destroy();
    await o.db.destroy();
  });

  it('is not used for an in-memory database, which has no log file', () => {
    expect(openSqlite(':memory:').walFile).toBeUndefined();
  });
});
