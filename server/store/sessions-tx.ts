import type { Kysely } from 'kysely';
import type { Role } from '../vocabulary.ts';
import { parseJson } from './rows.ts';
import type { DB } from './schema.ts';
import type { SessionRow } from './types.ts';

// Console sessions and failed sign-ins, shared by every server instance on the database. A session read
// joins the users table, so a role change applies on the next request and a deleted user's sessions end.

/** Most sign-in-form (anonymous) sessions kept: unauthenticated GETs must not grow the table without bound. */
export const MAX_ANONYMOUS_SESSIONS = 10_000;

export async function sessionGet(db: Kysely<DB>, tokenHash: string, now: string): Promise<SessionRow | undefined> {
  const r = await db
    .selectFrom('console_sessions as s')
    .leftJoin('users as u', 'u.id', 's.user_id')
    .select(['s.token_hash', 's.user_id', 's.csrf', 's.created_at', 's.last_seen', 's.flash', 'u.id as uid', 'u.name', 'u.role'])
    .where('s.token_hash', '=', tokenHash)
    .where('s.expires_at', '>', now)
    .executeTakeFirst();
  if (!r) return undefined;
  if (r.user_id !== null && r.uid === null) return undefined; // the user was deleted
  return {
    tokenHash: r.token_hash,
    user: r.uid !== null && r.name !== null ? { id: Number(r.uid), name: r.name, role: r.role as Role } : undefined,
    csrf: r.csrf,
    createdAt: r.created_at,
    lastSeen: r.last_seen,
    flash: r.flash === null ? undefined : parseJson<{ ok?: string; error?: string }>(r.flash, {}),
  };
}

export async function sessionPut(
  db: Kysely<DB>,
  s: { tokenHash: string; userId: number | null; csrf: string; createdAt: string; lastSeen: string; expiresAt: string; flash?: unknown },
): Promise<void> {
  const flash = s.flash === undefined ? null : JSON.stringify(s.flash);
  await db
    .insertInto('console_sessions')
    .values({
      token_hash: s.tokenHash,
      user_id: s.userId,
      csrf: s.csrf,
      created_at: s.createdAt,
      last_seen: s.lastSeen,
      expires_at: s.expiresAt,
      flash,
    })
    .onConflict((oc) => oc.column('token_hash').doUpdateSet({ last_seen: s.lastSeen, expires_at: s.expiresAt, flash }))
    .execute();
  if (s.userId === null) {
    // Anonymous sessions beyond the cap: the oldest go, as in the one-process store.
    const over = await db
      .selectFrom('console_sessions')
      .select('created_at')
      .where('user_id', 'is', null)
      .orderBy('created_at', 'desc')
      .offset(MAX_ANONYMOUS_SESSIONS)
      .limit(1)
      .executeTakeFirst();
    if (over) await db.deleteFrom('console_sessions').where('user_id', 'is', null).where('created_at', '<=', over.created_at).execute();
  }
}

export async function sessionDelete(db: Kysely<DB>, tokenHash: string): Promise<void> {
  await db.deleteFrom('console_sessions').where('token_hash', '=', tokenHash).execute();
}

/** Expired sessions and failed sign-ins older than `failuresBefore` (the periodic retention job). */
export async function purgeSessions(db: Kysely<DB>, now: string, failuresBefore: string): Promise<number> {
  const a = await db.deleteFrom('console_sessions').where('expires_at', '<=', now).executeTakeFirst();
  await db.deleteFrom('login_failures').where('at', '<', failuresBefore).execute();
  return Number(a.numDeletedRows);
}

export async function loginFailures(db: Kysely<DB>, keys: string[], since: string): Promise<Array<{ key: string; at: string }>> {
  return db.selectFrom('login_failures').select(['key', 'at']).where('key', 'in', keys).where('at', '>', since).orderBy('at').execute();
}

/** Records one failure under each key and drops each key's failures older than `prune`. */
export async function recordLoginFailure(db: Kysely<DB>, keys: string[], at: string, prune: string): Promise<void> {
  await db
    .insertInto('login_failures')
    .values(keys.map((key) => ({ key, at })))
    .execute();
  await db.deleteFrom('login_failures').where('key', 'in', keys).where('at', '<=', prune).execute();
}

export async function clearLoginFailures(db: Kysely<DB>, key: string): Promise<void> {
  await db.deleteFrom('login_failures').where('key', '=', key).execute();
}
