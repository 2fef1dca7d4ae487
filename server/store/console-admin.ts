import { sql, type Kysely } from 'kysely';
import type { Role } from '../vocabulary.ts';
import type { DB } from './schema.ts';
import type { AgentKeyRow, ApiTokenRow, UserSummaryRow } from './types.ts';

// The console's administration reads and writes: people, their API tokens, agent keys.

export async function listUsers(db: Kysely<DB>): Promise<UserSummaryRow[]> {
  const rows = await db.selectFrom('users').select(['id', 'name', 'role', 'created_at']).orderBy('name').limit(10_000).execute();
  return rows.map((u) => ({ id: Number(u.id), name: u.name, role: u.role as Role, createdAt: u.created_at }));
}

export async function setUserRole(db: Kysely<DB>, name: string, role: Role): Promise<boolean> {
  const r = await db.updateTable('users').set({ role }).where('name', '=', name).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Deletes the user, their API tokens and console sessions in one transaction. */
export async function deleteUser(db: Kysely<DB>, name: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const u = await tx.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst();
    if (!u) return false;
    await tx.deleteFrom('api_tokens').where('user_id', '=', Number(u.id)).execute();
    await tx.deleteFrom('console_sessions').where('user_id', '=', Number(u.id)).execute();
    await tx.deleteFrom('users').where('id', '=', Number(u.id)).execute();
    return true;
  });
}

export async function countAdmins(db: Kysely<DB>): Promise<number> {
  return Number(
    (await db.selectFrom('users').select(sql<number>`count(*)`.as('n')).where('role', '=', 'admin').executeTakeFirstOrThrow()).n,
  );
}

export async function listApiTokens(db: Kysely<DB>, limit: number): Promise<ApiTokenRow[]> {
  const rows = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['api_tokens.id', 'api_tokens.name', 'users.name as user_name', 'users.role', 'api_tokens.created_at', 'api_tokens.revoked_at'])
    .orderBy('api_tokens.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((t) => ({
    id: Number(t.id),
    name: t.name,
    user: t.user_name,
    role: t.role as Role,
    createdAt: t.created_at,
    revokedAt: t.revoked_at,
  }));
}

export async function revokeApiToken(db: Kysely<DB>, id: number, at: string): Promise<ApiTokenRow | undefined> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return undefined;
  return await listApiTokensById(db, id);
}

async function listApiTokensById(db: Kysely<DB>, id: number): Promise<ApiTokenRow | undefined> {
  const t = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['api_tokens.id', 'api_tokens.name', 'users.name as user_name', 'users.role', 'api_tokens.created_at', 'api_tokens.revoked_at'])
    .where('api_tokens.id', '=', id)
    .executeTakeFirst();
  return t
    ? { id: Number(t.id), name: t.name, user: t.user_name, role: t.role as Role, createdAt: t.created_at, revokedAt: t.revoked_at }
    : undefined;
}

/** The most recently enrolled agents first, with when each last reported; one agent's key when `agentId` is given. */
export async function agentKeys(db: Kysely<DB>, limit: number, agentId?: string): Promise<{ total: number; rows: AgentKeyRow[] }> {
  // One host's page asks for its own key: counting every agent there would be wasted work on each render.
  const total =
    agentId === undefined
      ? Number((await db.selectFrom('agents').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n)
      : undefined;
  let q = db
    .selectFrom('agents')
    .leftJoin('hosts', 'hosts.agent_id', 'agents.agent_id')
    .select([
      'agents.agent_id',
      'agents.hostname',
      'hosts.hostname as host_hostname',
      'agents.enrolled_at',
      'agents.revoked_at',
      'hosts.last_seen',
    ]);
  if (agentId !== undefined) q = q.where('agents.agent_id', '=', agentId);
  const rows = await q.orderBy('agents.enrolled_at', 'desc').orderBy('agents.agent_id').limit(limit).execute();
  return {
    total: total ?? rows.length,
    rows: rows.map((a) => ({
      agentId: a.agent_id,
      hostname: a.host_hostname ?? a.hostname,
      enrolledAt: a.enrolled_at,
      lastUsed: a.last_seen ?? null,
      revokedAt: a.revoked_at,
    })),
  };
}

export async function alertState(db: Kysely<DB>, id: number): Promise<{ status: string; rule: string; subject: string } | undefined> {
  return db.selectFrom('alerts').select(['status', 'rule', 'subject']).where('id', '=', id).executeTakeFirst();
}

export async function putSetting(db: Kysely<DB>, key: string, value: string): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
