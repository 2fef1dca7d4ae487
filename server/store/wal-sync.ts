import { open } from 'node:fs/promises';
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';

// SQLite runs with synchronous = FULL: every commit fsyncs the write-ahead log before it returns, and
// better-sqlite3 does that on the event loop, which then serves nothing for the fsync's milliseconds (half
// of the ingest transaction's time in the bench:server profiles). The ingest transaction instead commits
// with synchronous = NORMAL (WAL frames written, not yet synced) and then fsyncs the log on the thread
// pool: the event loop reads and checks the next reports meanwhile, and the caller, which answers the
// agents, still resumes only once the commit is on disk. A checkpoint under NORMAL still syncs the log
// before and the database after it (sqlite.org/pragma.html#pragma_synchronous). Every other write keeps FULL.
// A crash before the fsync loses nothing an agent was told is stored: no answer went out yet.

// `committed` lets the caller apply its next transaction while this one's fsync runs (the batcher's
// pipeline): the log only grows, so the next fsync covers both, and each caller still waits for its own.

/**
 * Runs `apply` (one transaction) on the reserved connection under synchronous = NORMAL, calls `committed`,
 * then fsyncs the log.
 */
export async function commitThenSync(
  db: Kysely<DB>,
  walFile: string,
  apply: (db: Kysely<DB>) => Promise<void>,
  committed?: () => void,
): Promise<void> {
  // The SQLite dialect has one connection: reserving it keeps every other query out until FULL is back.
  await db.connection().execute(async (conn) => {
    await sql`pragma synchronous = NORMAL`.execute(conn);
    try {
      await apply(conn);
    } finally {
      await sql`pragma synchronous = FULL`.execute(conn);
    }
  });
  committed?.();
  const log = await open(walFile, 'r+');
  try {
    await log.sync();
  } finally {
    await log.close();
  }
}
