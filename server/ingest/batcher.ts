import type { Store } from '../store/types.ts';
import type { IngestItem, IngestOutcome } from './report-types.ts';

// Group commit: reports that arrive while a transaction is being written go into the next one, so one
// fsync acknowledges many reports. Each caller's promise resolves only after its transaction committed.

export class Overloaded extends Error {}

interface Waiting {
  item: IngestItem;
  resolve: (o: IngestOutcome) => void;
  reject: (e: unknown) => void;
}

export class IngestBatcher {
  private queue: Waiting[] = [];
  private running = false;

  constructor(
    private readonly store: Store,
    private readonly o: { maxQueue: number; maxBatch: number; defaultIntervalS: number },
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  submit(item: IngestItem): Promise<IngestOutcome> {
    if (this.queue.length >= this.o.maxQueue) return Promise.reject(new Overloaded('ingest queue full'));
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) {
        this.running = true;
        // better-sqlite3 runs a whole transaction, fsync included, without yielding to the event loop, and
        // Kysely's awaits in between are microtasks: started at once, every batch would hold one report.
        // After the I/O phase instead, the batch takes every request that arrived during the last commit.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.o.maxBatch);
        // The same report twice in one batch: the second is a duplicate of the first.
        const first = new Map<string, number>();
        const unique: Waiting[] = [];
        batch.forEach((w) => {
          if (!first.has(w.item.report.reportId)) {
            first.set(w.item.report.reportId, unique.length);
            unique.push(w);
          }
        });
        let outcomes: Array<IngestOutcome | { error: unknown }>;
        try {
          outcomes = await this.store.ingest(
            unique.map((w) => w.item),
            this.o.defaultIntervalS,
          );
        } catch (e) {
          // One report the database refuses must not fail the others that shared its transaction: each
          // goes again in a transaction of its own (a database that is down fails them all, as it should).
          outcomes = unique.length === 1 ? [{ error: e }] : [];
          for (const w of unique.length === 1 ? [] : unique) {
            try {
              outcomes.push((await this.store.ingest([w.item], this.o.defaultIntervalS))[0]);
            } catch (e1) {
              outcomes.push({ error: e1 });
            }
          }
        }
        for (const w of batch) {
          const i = first.get(w.item.report.reportId)!;
          const o = outcomes[i];
          if (typeof o === 'object') w.reject(o.error);
          else w.resolve(unique[i] === w ? o : 'duplicate');
        }
        await new Promise((r) => setImmediate(r)); // requests read meanwhile join the next batch
      }
    } finally {
      this.running = false;
    }
  }
}
