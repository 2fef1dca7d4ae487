import { readdirSync, readlinkSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../../../server/store/open.ts';
import { openStore } from '../../../../server/store/sql-store.ts';
import { commitThenSync, WalLog } from '../../../../server/store/wal-sync.ts';
import { cleanupDatabases, freshDatabase } from '../../../helpers/server/stores.ts';

// The SQLite ingest commit (wal-sync.ts) on a real database file: the transaction runs under synchronous =
// NORMAL, every other statement under FULL before and after, also when the transaction fails; what it
// committed is in the write-ahead log it then fsyncs, and other connections see it. The log is fsynced through
// one descriptor kept open (WalLog), opened again when the path names another file.

afterAll(() => cleanupDatabases());

const level = async (db: Parameters<typeof commitThenSync>[0]) =>
  Number(((await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0] as { synchronous: number }).synchronous);

/** What this process's open descriptors name (Linux /proc). */
const openTargets = () =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return [];
    }
  });
const openCopies = (file: string) => openTargets().filter((t) => t === file).length;

describe('commitThenSync on SQLite', () => {
  it('commits under NORMAL into the fsynced log and leaves FULL for every other write, also on failure', async () => {
    const d = await freshDatabase('sqlite');
    await openStore(d).then((s) => s.close()); // the schema
    const o = openSqlite(d.sqliteFile!);
    expect(o.walFile).toBe(`${d.sqliteFile}-wal`);
    expect(await level(o.db)).toBe(2); // FULL
    let inside = -1;
    const log = new WalLog(o.walFile!);
    await commitThenSync(o.db, log, (db) =>
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
      commitThenSync(o.db, log, (db) =>
        db.transaction().execute(async (tx) => {
          await tx.insertInto('settings').values({ key: 'k2', value: 'v' }).execute();
          throw new Error('refused');
        }),
      ),
    ).rejects.toThrow('refused');
    expect(await level(o.db)).toBe(2);
    expect(await other.db.selectFrom('settings').select('value').where('key', '=', 'k2').executeTakeFirst()).toBeUndefined();
    await other.db.destroy();
    await log.close();
    await o.db.destroy();
  });

  it('keeps one descriptor of the log across commits and closes it', async () => {
    const d = await freshDatabase('sqlite');
    await openStore(d).then((s) => s.close());
    const o = openSqlite(d.sqliteFile!);
    const before = openCopies(`${d.sqliteFile}-wal`); // SQLite's own
    const log = new WalLog(o.walFile!);
    for (let i = 0; i < 5; i++)
      await commitThenSync(o.db, log, (db) =>
        db
          .insertInto('settings')
          .values({ key: `k${i}`, value: 'v' })
          .execute()
          .then(() => undefined),
      );
    expect(openCopies(`${d.sqliteFile}-wal`)).toBe(before + 1);
    await log.close();
    expect(openCopies(`${d.sqliteFile}-wal`)).toBe(before);
    await expect(log.sync()).rejects.toThrow('write-ahead log closed');
    await o.db.destroy();
  });

  it('syncs the file at the path again once the one it had open was removed', async () => {
    const d = await freshDatabase('sqlite');
    const file = join(d.dataDir, 'log');
    writeFileSync(file, 'first');
    const log = new WalLog(file);
    await log.sync();
    unlinkSync(file);
    writeFileSync(file, 'second');
    await log.sync();
    // the descriptor kept is the new file's, and the removed file's is closed
    const mine = openTargets().filter((t) => t.startsWith(file));
    expect(mine).toEqual([file]);
    await log.close();
    expect(openTargets().filter((t) => t.startsWith(file))).toEqual([]);
  });

  it('is not used for an in-memory database, which has no log file', () => {
    expect(openSqlite(':memory:').walFile).toBeUndefined();
  });
});
