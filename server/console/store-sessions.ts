// Console sessions and the sign-in limiter on the server's database, so any instance behind a load
// balancer accepts a session another one created, and failed sign-ins count across instances.
// The cookie carries a random token; the database holds only its sha256, so a copy of the database
// (a backup, a replica) does not sign anyone in. Each read joins the users table: a role change applies
// on the next request, and deleting a user ends their sessions (store/sessions-tx.ts).
import { hashKey } from '../ingest/receive.ts';
import type { Store } from '../store/types.ts';
import { DEFAULT_LOGIN_LIMITS, limitKeys, type LoginLimiter, type LoginLimits, waitSeconds } from './rate-limit.ts';
import { SESSION_IDLE_MS, SESSION_MAX_MS, type Session, type SessionStore } from './session.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export class StoreSessions implements SessionStore {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
  ) {}

  async get(id: string): Promise<Session | undefined> {
    const r = await this.store.sessionGet(hashKey(id), this.now().toISOString());
    if (!r) return undefined;
    return {
      id,
      user: r.user,
      csrf: r.csrf,
      createdAt: Date.parse(r.createdAt),
      lastSeen: Date.parse(r.lastSeen),
      flash: r.flash,
    };
  }

  async put(s: Session): Promise<void> {
    const userId = s.user ? (s.user.id ?? (await this.store.userByName(s.user.name))?.id ?? null) : null;
    if (s.user && userId === null) return this.delete(s.id); // the user is gone: so is the session
    await this.store.sessionPut({
      tokenHash: hashKey(s.id),
      userId,
      csrf: s.csrf,
      createdAt: iso(s.createdAt),
      lastSeen: iso(s.lastSeen),
      expiresAt: iso(Math.min(s.lastSeen + SESSION_IDLE_MS, s.createdAt + SESSION_MAX_MS)),
      flash: s.flash,
    });
  }

  async delete(id: string): Promise<void> {
    await this.store.sessionDelete(hashKey(id));
  }
}

export class StoreLoginLimiter implements LoginLimiter {
  constructor(
    private readonly store: Store,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {}

  async retryAfter(ip: string, username: string, now: number): Promise<number> {
    const keys = limitKeys(ip, username);
    const rows = await this.store.loginFailures(keys, iso(now - this.limits.windowMs));
    let wait = 0;
    for (const key of keys) {
      const times = rows.filter((r) => r.key === key).map((r) => Date.parse(r.at));
      wait = Math.max(wait, waitSeconds(times, this.limits, now));
    }
    return wait;
  }

  async fail(ip: string, username: string, now: number): Promise<void> {
    await this.store.recordLoginFailure(limitKeys(ip, username), iso(now), iso(now - this.limits.windowMs));
  }

  async succeed(ip: string, username: string): Promise<void> {
    // Only the account's key: the address keeps its failures (see rate-limit.ts).
    await this.store.clearLoginFailures(limitKeys(ip, username)[1]);
  }
}
