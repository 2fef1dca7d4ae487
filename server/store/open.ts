import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface OpenedDb {
  db: Kysely<DB>;
  dialect: Dialect;
  /** SQLite in WAL mode on a file: its write-ahead log, which the ingest path fsyncs itself (sql-store.ts). */
  walFile?: string;
}

// bigint columns (sequence) come back as strings from pg by default; sequences fit in a JS number.
pg.types.setTypeParser(20, (v: string) => Number(v));

/** SQLite file in WAL mode with fsync on every commit (answers go out only after a commit is on disk). */
export function openSqlite(file: string): OpenedDb {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const raw = new Database(file);
  const wal = raw.pragma('journal_mode = WAL', { simple: true }) === 'wal';
  raw.pragma('synchronous = FULL');
  raw.pragma('busy_timeout = 10000');
  raw.pragma('foreign_keys = ON');
  return {
    db: new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) }),
    dialect: 'sqlite',
    ...(wal && file !== ':memory:' ? { walFile: `${file}-wal` } : {}),
  };
}

/**
 * Kysely prepares every query anew; parsing the SQL cost more than running it on the ingest path. The
 * server's queries are a small fixed set, so their statements are kept (bounded: the oldest goes first).
 * Kysely runs one query at a time on this single connection, so a statement is never used twice at once.
 */
const MAX_CACHED_SQL = 2000;

function withStatementCache(raw: Database.Database, max = 512): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => raw.close(),
    prepare(text: string) {
      let st = cache.get(text);
      if (!st) {
        st = raw.prepare(text);
        // Multi-row statements of a group commit differ by row count: kept, they would evict the small ones.
        if (text.length > MAX_CACHED_SQL) return st;
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(text, st);
      }
      return st;
    },
  };
}

export function openPostgres(url: string, poolSize = 10): OpenedDb {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client's error (the database restarted) must not crash the server; the next query reconnects.
  pool.on('error', () => undefined);
  return { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
}
