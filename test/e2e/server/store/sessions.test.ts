import { afterAll, describe, expect, it } from 'vitest';
import { StoreLoginLimiter, StoreSessions } from '../../../../server/console/store-sessions.ts';
import { newSession, SESSION_IDLE_MS } from '../../../../server/console/session.ts';
import { cleanupDatabases, freshStore, STORE_KINDS } from '../../../helpers/server/stores.ts';

// Console sessions and failed sign-ins in the database, on SQLite and PostgreSQL: expiry, the periodic
// purge, role changes and deleted users, and the limiter's window.

afterAll(() => cleanupDatabases());

const T0 = Date.parse('2026-12-02T08:00:00.000Z');

for (const kind of STORE_KINDS) {
  describe(kind, () => {
    it('keeps a session until it idles out, follows the user row, and is purged', async () => {
      const store = await freshStore(kind);
      let now = T0;
      try {
        const id = await store.createUser({ name: 'olga', role: 'viewer', passwordHash: 'x', at: new Date(T0).toISOString() });
        const sessions = new StoreSessions(store, () => new Date(now));
        const s = newSession({ id, name: 'olga', role: 'viewer' }, now);
        s.flash = { ok: 'Saved.' };
        await sessions.put(s);
        expect(await sessions.get(s.id)).toMatchObject({ user: { name: 'olga', role: 'viewer' }, csrf: s.csrf, flash: { ok: 'Saved.' } });
        await store.setUserRole('olga', 'admin');
        expect((await sessions.get(s.id))?.user?.role).toBe('admin');
        const anon = newSession(undefined, now);
        await sessions.put(anon);
        expect((await sessions.get(anon.id))?.user).toBeUndefined();

        now = T0 + SESSION_IDLE_MS + 1000; // idle too long: refused, then purged
        expect(await sessions.get(s.id)).toBeUndefined();
        expect(await store.purgeSessions(new Date(now).toISOString(), new Date(now).toISOString())).toBe(2);

        const fresh = newSession({ id, name: 'olga', role: 'admin' }, now);
        await sessions.put(fresh);
        await store.deleteUser('olga');
        expect(await sessions.get(fresh.id)).toBeUndefined();
      } finally {
        await store.close();
      }
    });

    it('counts failed sign-ins per address and per account within the window', async () => {
      const store = await freshStore(kind);
      try {
        const l = new StoreLoginLimiter(store, { max: 3, windowMs: 60_000 });
        for (let i = 0; i < 3; i++) {
          expect(await l.retryAfter('192.0.2.1', 'alice', T0 + i)).toBe(0);
          await l.fail('192.0.2.1', 'alice', T0 + i);
        }
        expect(await l.retryAfter('192.0.2.1', 'bob', T0 + 1000)).toBe(59); // same address
        expect(await l.retryAfter('192.0.2.9', 'ALICE', T0 + 1000)).toBe(59); // same account, any case
        expect(await l.retryAfter('192.0.2.9', 'bob', T0 + 1000)).toBe(0);
        await l.succeed('192.0.2.1', 'alice');
        expect(await l.retryAfter('192.0.2.9', 'alice', T0 + 1000)).toBe(0); // the account is cleared...
        expect(await l.retryAfter('192.0.2.1', 'carol', T0 + 1000)).toBe(59); // ...the address is not
        expect(await l.retryAfter('192.0.2.1', 'carol', T0 + 61_000)).toBe(0);
      } finally {
        await store.close();
      }
    });
  });
}
