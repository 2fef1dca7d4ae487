import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import type { FarmGroupRow, NotifierRow } from './types.ts';

// Storage of the farm round's inputs and outputs: its settings (one JSON row), the groups it found last,
// the console-managed notifiers, and the once-only notification claim of an alert.

/** The stored farm settings, storing `json` first when there are none (the server config seeds them). */
export async function farmSettingsOrInit(db: Kysely<DB>, json: string, at: string): Promise<string> {
  await db
    .insertInto('farm_config')
    .values({ id: 1, settings: json, updated_at: at })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return (await db.selectFrom('farm_config').select('settings').where('id', '=', 1).executeTakeFirstOrThrow()).settings;
}

export async function setFarmSettings(db: Kysely<DB>, json: string, at: string): Promise<void> {
  await db
    .insertInto('farm_config')
    .values({ id: 1, settings: json, updated_at: at })
    .onConflict((oc) => oc.column('id').doUpdateSet({ settings: json, updated_at: at }))
    .execute();
}

/** The groups of the latest round replace those of the previous one (a farm that dissolved disappears). */
export async function replaceFarmGroups(
  db: Kysely<DB>,
  groups: Array<{ subject: string; severity: string; hostCount: number; body: unknown }>,
  at: string,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('farm_groups').execute();
    for (let i = 0; i < groups.length; i += 200) {
      const chunk = groups
        .slice(i, i + 200)
        .map((g) => ({ subject: g.subject, severity: g.severity, host_count: g.hostCount, body: JSON.stringify(g.body), updated_at: at }));
      await tx
        .insertInto('farm_groups')
        .values(chunk)
        .onConflict((oc) => oc.column('subject').doNothing())
        .execute();
    }
  });
}

export async function listFarmGroups(db: Kysely<DB>, limit: number): Promise<FarmGroupRow[]> {
  const rows = await db.selectFrom('farm_groups').selectAll().orderBy('host_count', 'desc').orderBy('subject').limit(limit).execute();
  return rows.map((r) => ({
    subject: r.subject,
    severity: r.severity,
    hostCount: Number(r.host_count),
    group: JSON.parse(r.body) as unknown,
    updatedAt: r.updated_at,
  }));
}

export async function listNotifiers(db: Kysely<DB>): Promise<NotifierRow[]> {
  const rows = await db.selectFrom('notifiers').selectAll().orderBy('name').execute();
  return rows.map((r) => ({ id: Number(r.id), name: r.name, config: JSON.parse(r.config) as unknown, createdAt: r.created_at }));
}

export async function putNotifier(db: Kysely<DB>, name: string, config: unknown, at: string): Promise<void> {
  const json = JSON.stringify(config);
  await db
    .insertInto('notifiers')
    .values({ name, config: json, created_at: at })
    .onConflict((oc) => oc.column('name').doUpdateSet({ config: json }))
    .execute();
}

export async function deleteNotifier(db: Kysely<DB>, name: string): Promise<boolean> {
  const r = await db.deleteFrom('notifiers').where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
