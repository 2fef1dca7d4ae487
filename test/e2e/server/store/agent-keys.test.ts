import { afterAll, describe, expect, it } from 'vitest';
import { AgentKeyCache, RECHECK_MS } from '../../../../server/store/agent-keys.ts';
import { openSqlite } from '../../../../server/store/open.ts';
import { openStore } from '../../../../server/store/sql-store.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS } from '../../../helpers/server/stores.ts';

// The agent key cache on real SQLite and PostgreSQL: a revocation or re-enrollment through a store shows
// in that store's very next lookup; through another instance of the same database, after at most the
// recheck interval (driven here by a fake clock, not by waiting).

afterAll(() => cleanupDatabases());

const AT = '2026-12-02T10:00:00.000Z';

for (const kind of STORE_KINDS) {
  describe(`agent key cache on ${kind}`, { timeout: 120_000 }, () => {
    it('drops a key at once when this instance revokes it or enrolls the agent again', async () => {
      const s = await openStore(await freshDatabase(kind));
      await s.enrollAgent({ agentId: 'a1', keyHash: 'hash-1', hostname: 'h', at: AT });
      expect(await s.agentByKeyHash('hash-1')).toEqual({ agentId: 'a1', revoked: false });
      expect(await s.agentByKeyHash('hash-1')).toEqual({ agentId: 'a1', revoked: false }); // from the cache
      expect(await s.revokeAgent('a1', AT)).toBe(true);
      expect(await s.agentByKeyHash('hash-1')).toEqual({ agentId: 'a1', revoked: true });

      await s.enrollAgent({ agentId: 'a1', keyHash: 'hash-2', hostname: 'h', at: AT }); // lifts the revocation, new key
      expect(await s.agentByKeyHash('hash-2')).toEqual({ agentId: 'a1', revoked: false });
      await s.enrollAgent({ agentId: 'a1', keyHash: 'hash-3', hostname: 'h', at: AT }); // re-keyed while cached
      expect(await s.agentByKeyHash('hash-2')).toBeUndefined();
      expect(await s.agentByKeyHash('hash-3')).toEqual({ agentId: 'a1', revoked: false });
      await s.close();
    });

    it('sees another instance revoke or re-key within the recheck interval', async () => {
      const d = await freshDatabase(kind);
      let now = 0;
      const a = await openStore({ ...d, keyCache: { clock: () => now } });
      const b = await openStore(d);
      await b.enrollAgent({ agentId: 'a1', keyHash: 'hash-1', hostname: 'h', at: AT });
      await b.enrollAgent({ agentId: 'a2', keyHash: 'hash-2', hostname: 'h', at: AT });
      expect(await a.agentByKeyHash('hash-1')).toEqual({ agentId: 'a1', revoked: false });
      expect(await a.agentByKeyHash('hash-2')).toEqual({ agentId: 'a2', revoked: false });

      expect(await b.revokeAgent('a1', AT)).toBe(true);
      await b.enrollAgent({ agentId: 'a2', keyHash: 'hash-2b', hostname: 'h', at: AT });
      now += RECHECK_MS - 1;
      // the stated bound: until the recheck, instance a may still answer from its cache
      expect(await a.agentByKeyHash('hash-1')).toEqual({ agentId: 'a1', revoked: false });
      now += 1;
      expect(await a.agentByKeyHash('hash-1')).toEqual({ agentId: 'a1', revoked: true });
      expect(await a.agentByKeyHash('hash-2')).toBeUndefined();
      expect(await a.agentByKeyHash('hash-2b')).toEqual({ agentId: 'a2', revoked: false });
      await a.close();
      await b.close();
    });
  });
}

describe('AgentKeyCache', () => {
  it('does not keep what a lookup read before a revocation, and stays within its size', async () => {
    const d = await freshDatabase('sqlite');
    const o = openSqlite(d.sqliteFile!);
    await openStore(d).then((s) => s.close()); // the schema
    const cache = new AgentKeyCache(o.db, { max: 2, clock: () => 0 });
    expect(await cache.get('hash-1')).toBeUndefined();
    const before = cache.begin(); // a database read in flight...
    cache.forget('a1'); // ...while this instance revokes a1
    before.keep('hash-1', 'a1');
    expect(await cache.get('hash-1')).toBeUndefined();

    for (const [hash, id] of [
      ['hash-1', 'a1'],
      ['hash-2', 'a2'],
      ['hash-3', 'a3'],
    ])
      cache.begin().keep(hash, id);
    expect(await cache.get('hash-1')).toBeUndefined(); // the oldest went
    expect(await cache.get('hash-2')).toBe('a2');
    expect(await cache.get('hash-3')).toBe('a3');
    await o.db.destroy();
  });
});
