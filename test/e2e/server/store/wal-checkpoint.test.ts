import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { IngestBatcher } from '../../../../server/ingest/batcher.ts';
import { openSqlite } from '../../../../server/store/open.ts';
import type { DB } from '../../../../server/store/schema.ts';
import { type SqlStore, openStore } from '../../../../server/store/sql-store.ts';
import { SAFETY_NET_PAGES, WalCheckpointer } from '../../../../server/store/wal-checkpointer.ts';
import { finding, item, SimAgent } from '../../../helpers/server/reports.ts';
import { cleanupDatabases, freshDatabase } from '../../../helpers/server/stores.ts';
import { walFrames } from '../../../helpers/server/wal-index.ts';

// The SQLite store's checkpoints on a worker thread (wal-checkpointer.ts), on a real database file: after
// ingest the worker's own connection has copied the whole log into the database, what was ingested reads back
// from a new connection, under sustained ingest the thread restarts the log so that it never reaches the
// serving connection's safety net, a restart that cannot get the write lock gives up and lets ingest go on,
// and a thread that cannot start or dies says why (the store then checkpoints for itself).

afterAll(() => cleanupDatabases());

/** The reports a new connection reads back from the database file. */
async function reportsIn(file: string): Promise<number> {
  const other = openSqlite(file);
  const n = await other.db
    .selectFrom('reports')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  await other.db.destroy();
  return Number(n.n);
}

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
    expect(await reportsIn(d.sqliteFile!)).toBe(200);
  });

  it('restarts the log under sustained ingest, before it reaches the safety net', async () => {
    const d = await freshDatabase('sqlite');
    const store = (await openStore({ ...d, checkpointIntervalMs: 0 })) as SqlStore;
    const cp = store.checkpointer!;
    const shm = openSync(`${d.sqliteFile}-shm`, 'r');
    const agents = Array.from({ length: 60 }, (_, i) => new SimAgent(`rs-${i}`, `rs-${i}`));
    // As the server ingests: group commits, pipelined (the next applied while the last one's log syncs), the
    // next round submitted before the last is answered, so that commits follow each other without a pause.
    const batcher = new IngestBatcher(store, { maxQueue: 1000, maxBatch: 64, defaultIntervalS: 3600 });
    // Every frame the log took, across its restarts, and the longest it was: the ingest below writes more than
    // twice the safety net, each commit poking the thread, which copies while the next commits land.
    let written = 0;
    let peak = 0;
    let frames = 0;
    let round = 0;
    let pending: Promise<string[]> = Promise.resolve([]);
    let answered = 0;
    while (written < 2 * SAFETY_NET_PAGES) {
      const items = agents.map((a, i) => item(a.next((i + round) % 3 ? [] : [finding(`anydesk:${i}:${round}`)])));
      round++;
      const next = Promise.all(items.map((it) => batcher.submit(it)));
      const outcomes = await pending;
      expect(outcomes).toEqual(outcomes.map(() => 'stored'));
      answered += outcomes.length;
      pending = next;
      const f = walFrames(shm)!;
      written += f.frames >= frames ? f.frames - frames : f.frames;
      frames = f.frames;
      peak = Math.max(peak, f.frames);
    }
    answered += (await pending).length;
    const reports = round * agents.length;
    expect(answered).toBe(reports);
    await cp.idle();
    closeSync(shm);
    // Restarted by a RESTART, by the commit after a checkpoint that caught up, or (short logs) by a commit
    // after a pass: which one depends on timing. With passes alone the log reached the safety net here.
    expect(cp.count).toBeGreaterThan(0);
    expect(peak).toBeLessThan(SAFETY_NET_PAGES);
    expect(cp.gate).toBeUndefined();
    await store.close();
    expect(await reportsIn(d.sqliteFile!)).toBe(reports);
  });

  /** A WAL database with a table, a checkpointer on it, and a log of more than a frame. */
  async function walWithRows(o: { busyTimeoutMs: number; onExit?: (why: string) => void; dbFd?: (file: string) => number }) {
    const d = await freshDatabase('sqlite');
    const db = new Database(d.sqliteFile!);
    db.pragma('journal_mode = WAL');
    db.exec('create table t (x blob)');
    const insert = db.prepare('insert into t (x) values (?)');
    for (let i = 0; i < 20; i++) insert.run(Buffer.alloc(3000, i));
    const cp = new WalCheckpointer(d.sqliteFile!, {
      intervalMs: 0,
      restartFrames: 1,
      busyTimeoutMs: o.busyTimeoutMs,
      onExit: o.onExit ?? (() => undefined),
      ...(o.dbFd ? { dbFd: o.dbFd(d.sqliteFile!) } : {}),
    });
    return { db, cp, insert };
  }

  /** Resolves once the checkpointer holds ingest back for a restart. */
  async function gateClosed(cp: WalCheckpointer): Promise<Promise<void>> {
    while (!cp.gate) await new Promise((r) => setImmediate(r));
    return cp.gate;
  }

  it('restarts a log that nothing writes to meanwhile, with the database file it was given synced first', async () => {
    let fd: number | undefined;
    const { db, cp, insert } = await walWithRows({ busyTimeoutMs: 50, dbFd: (file) => (fd = openSync(file, 'r')) });
    const before = (db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0].log;
    expect(before).toBeGreaterThan(20);
    cp.poke();
    await cp.idle();
    expect(cp.restarts).toBe(1);
    expect(cp.caughtUp).toBe(0); // no commit came to restart it
    insert.run(Buffer.alloc(10));
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number }>;
    expect(r.log).toBeLessThanOrEqual(3);
    await cp.close();
    db.close();
    closeSync(fd!); // after the last connection (wal-checkpointer.ts)
  });

  it('checkpoints what was committed during a checkpoint once it ends, with no commit after it to poke it', async () => {
    const { db, cp, insert } = await walWithRows({ busyTimeoutMs: 50 });
    cp.poke();
    insert.run(Buffer.alloc(3000, 1)); // the last commit of a burst, while the checkpoint runs
    cp.poke(); // the commit's poke: a checkpoint runs, so this one waits for it to end
    await cp.idle();
    while (cp.count < 2) await new Promise((r) => setTimeout(r, 5));
    await cp.idle();
    expect(cp.count).toBe(2);
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
    expect(r.checkpointed).toBe(r.log); // nothing left to copy back
    expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: 21 });
    await cp.close();
    db.close();
  });

  it('gives a restart up when another connection holds the write lock, and lets ingest go on', async () => {
    const { db, cp, insert } = await walWithRows({ busyTimeoutMs: 50 });
    db.exec('begin immediate'); // the write lock, as a long write on another connection would hold it
    insert.run(Buffer.alloc(10));
    cp.poke();
    await gateClosed(cp);
    await cp.idle();
    expect(cp.gate).toBeUndefined();
    // how long ingest was held back: what bench:server prints
    expect(cp.heldMs).toBeGreaterThan(0);
    expect(cp.maxHeldMs).toBeLessThanOrEqual(cp.heldMs);
    expect(cp.restartsMissed).toBe(1);
    expect(cp.restarts).toBe(0);
    expect(cp.last?.busy).toBe(1);
    db.exec('commit');
    // Once the lock is free, the next checkpoint restarts the log: the next commit writes from its start.
    cp.poke();
    await cp.idle();
    expect(cp.restarts).toBe(1);
    insert.run(Buffer.alloc(10));
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number }>;
    expect(r.busy).toBe(0);
    expect(r.log).toBeLessThanOrEqual(3); // the one row's page (and the header page, had the file grown)
    expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: 22 });
    await cp.close();
    db.close();
  });

  it('lets ingest go on when the thread dies during a restart', async () => {
    let why = '';
    const { db, cp } = await walWithRows({ busyTimeoutMs: 300, onExit: (w) => (why = w) });
    db.exec('begin immediate'); // the restart waits for this lock
    db.prepare('insert into t (x) values (1)').run();
    cp.poke();
    const gate = await gateClosed(cp);
    // Stopped while SQLite waits for the lock: the thread ends once the wait gives up, before it answers.
    const terminated = (cp as unknown as { worker: Worker }).worker.terminate();
    await gate;
    await terminated;
    expect(cp.gate).toBeUndefined();
    expect(why).toMatch(/^checkpoint thread exited with/);
    await cp.idle();
    db.exec('commit');
    db.close();
  });

  it('lets the serving connection checkpoint for itself again when the thread is gone', async () => {
    const d = await freshDatabase('sqlite');
    const store = (await openStore({ ...d, checkpointIntervalMs: 0 })) as SqlStore;
    const db = (store as unknown as { db: Kysely<DB> }).db; // the serving connection
    const pages = async () => (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db)).rows[0].wal_autocheckpoint;
    expect(await pages()).toBe(SAFETY_NET_PAGES);
    await (store.checkpointer as unknown as { worker: Worker }).worker.terminate();
    while ((await pages()) !== 1000) await new Promise((r) => setImmediate(r));
    const a = new SimAgent('gone-1', 'gone-1');
    expect(await store.ingest([item(a.next([]))], 3600)).toEqual(['stored']);
    await store.close();
  });

  it('reports a thread that cannot open the database', async () => {
    const d = await freshDatabase('sqlite');
    const why = await new Promise<string>((resolve) => {
      new WalCheckpointer(join(d.dataDir, 'missing.sqlite'), { intervalMs: 0, onExit: resolve });
    });
    expect(why).toMatch(/^checkpoint thread failed: .*(unable to open|does not exist|no such file)/i);
  });
});
