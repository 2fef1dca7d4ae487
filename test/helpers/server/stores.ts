import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../server/store/sql-store.ts';
import type { Store } from '../../../server/store/types.ts';
import { startPostgres, type Postgres } from './postgres.ts';

// The same suites run on both stores: `for (const kind of STORE_KINDS) describe(kind, ...)`.

export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

let pg: Postgres | undefined;
const dirs: string[] = [];

/** Where a fresh database of that kind lives: a SQLite file path or a PostgreSQL URL. */
export async function freshDatabase(kind: StoreKind): Promise<{ sqliteFile?: string; postgresUrl?: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ratwatch-server-'));
  dirs.push(dataDir);
  if (kind === 'sqlite') return { sqliteFile: join(dataDir, 'ratwatch.sqlite'), dataDir };
  pg ??= await startPostgres();
  return { postgresUrl: await pg.createDatabase(), dataDir };
}

export async function freshStore(kind: StoreKind): Promise<Store> {
  const d = await freshDatabase(kind);
  return openStore(d);
}

export function cleanupDatabases(): void {
  pg?.stop();
  pg = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
