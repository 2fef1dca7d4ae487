import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema.ts';

// Every ingested report is authenticated by its agent's key: without a cache that is one more query per
// report (on PostgreSQL a pool checkout and a round trip). Only keys of agents that are not revoked are kept.
// Revocation stays immediate on the instance that revokes (its entries go at once) and takes at most
// `recheckMs` on any other instance of the same database: every revocation or re-enrollment writes a new
// token to the settings row VERSION_KEY, and a cache whose token is older than `recheckMs` reads the row
// again (one query per `recheckMs`, not per report) and forgets everything when it changed.

export const VERSION_KEY = 'agentKeysVersion';
export const RECHECK_MS = 1000;
const MAX_ENTRIES = 100_000;

type Db = Kysely<DB> | Transaction<DB>;

/** Marks every instance's cached agent keys stale; call inside the transaction that revokes or re-keys. */
export async function bumpKeysVersion(db: Db): Promise<void> {
  const value = randomUUID();
  await db
    .insertInto('settings')
    .values({ key: VERSION_KEY, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

export interface AgentKeyCacheOptions {
  recheckMs?: number;
  max?: number;
  clock?: () => number; // ms, monotonic
}

export class AgentKeyCache {
  private readonly byHash = new Map<string, string>(); // key hash -> agent id, oldest first
  private version: string | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private checking: Promise<void> | undefined;
  /** Changes whenever entries are dropped: a lookup that started before must not cache what it read. */
  private epoch = 0;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly o: AgentKeyCacheOptions = {},
  ) {}

  private now(): number {
    return this.o.clock ? this.o.clock() : performance.now();
  }

  /** The agent id a non-revoked key hash belongs to, if this cache may still answer for it. */
  async get(keyHash: string): Promise<string | undefined> {
    if (this.now() - this.checkedAt >= (this.o.recheckMs ?? RECHECK_MS)) await this.recheck();
    return this.byHash.get(keyHash);
  }

  /** Starts a lookup in the database; `keep` caches its answer unless entries were dropped meanwhile. */
  begin(): { keep: (keyHash: string, agentId: string) => void } {
    const epoch = this.epoch;
    return {
      keep: (keyHash, agentId) => {
        if (epoch !== this.epoch) return;
        if (this.byHash.size >= (this.o.max ?? MAX_ENTRIES)) this.byHash.delete(this.byHash.keys().next().value!);
        this.byHash.set(keyHash, agentId);
      },
    };
  }

  /** This instance revoked or re-keyed an agent: its entries go now, other instances follow on their recheck. */
  forget(agentId: string): void {
    this.epoch++;
    for (const [hash, id] of this.byHash) if (id === agentId) this.byHash.delete(hash);
  }

  private recheck(): Promise<void> {
    this.checking ??= (async () => {
      try {
        const row = await this.db.selectFrom('settings').select('value').where('key', '=', VERSION_KEY).executeTakeFirst();
        const v = row?.value ?? '';
        if (v !== this.version) {
          this.epoch++;
          this.byHash.clear();
          this.version = v;
        }
        this.checkedAt = this.now();
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }
}
