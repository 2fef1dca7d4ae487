import { closeSync, fstatSync, fsync, openSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
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

const fsyncAsync = promisify(fsync);

/**
 * The log file, kept open for its fsyncs: opening and closing it for each commit cost two more trips to the
 * thread pool per group commit (5% of the server's busy time in bench:server's run with a new connection
 * per report, where commits are small). SQLite removes the log only when its last connection closes; still,
 * before each fsync the path must name the open file, still linked (a freed inode number can come back for a
 * new file): a descriptor of a removed log would sync the wrong file, so then the path is opened again.
 */
export class WalLog {
  private fd: number | undefined;
  private ino = -1;
  private stale: number[] = []; // replaced descriptors, closed once no fsync runs
  private syncing = 0;
  private closed = false;
  private idle: (() => void) | undefined;

  constructor(readonly file: string) {}

  /** Resolves once everything written to the log so far is on disk. */
  async sync(): Promise<void> {
    if (this.closed) throw new Error('write-ahead log closed');
    const st = statSync(this.file);
    if (this.fd === undefined || st.ino !== this.ino || fstatSync(this.fd).nlink === 0) {
      if (this.fd !== undefined) this.stale.push(this.fd);
      this.fd = openSync(this.file, 'r+');
      this.ino = fstatSync(this.fd).ino;
    }
    this.syncing++;
    try {
      await fsyncAsync(this.fd);
    } finally {
      if (--this.syncing === 0) {
        for (const fd of this.stale.splice(0)) closeSync(fd);
        this.idle?.();
      }
    }
  }

  /** Closes the descriptor once no fsync is running on it. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.syncing) await new Promise<void>((r) => (this.idle = r));
    for (const fd of this.stale.splice(0)) closeSync(fd);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Runs `apply` (one transaction) on the reserved connection under synchronous = NORMAL, calls `committed`,
 * then fsyncs the log.
 */
export async function commitThenSync(
  db: Kysely<DB>,
  log: WalLog,
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
  await log.sync();
}
