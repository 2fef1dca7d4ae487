import type { Store } from '../store/types.ts';
import type { IngestItem, IngestOutcome } from './report-types.ts';

// Group commit: reports that arrive while a transaction is being written go into the next one, so one
// fsync acknowledges many reports. Each caller's promise resolves only after its transaction committed.

export class Overloaded extends Error {}

/** Batches in flight at once: one being applied, one whose fsync is still running. */
const PIPELINE = 2;

interface Waiting {
  item: IngestItem;
  resolve: (o: IngestOutcome) => void;
  reject: (e: unknown) => void;
}

export class IngestBatcher {
  private queue: Waiting[] = [];
  private running = false;
  private wake: (() => void) | undefined; // set while drain waits for in-flight fsyncs with an empty queue
  private full: (() => void) | undefined; // set while drain waits out the commit interval
  private lastStart = Number.NEGATIVE_INFINITY; // performance.now() when the last batch began
  private lastSize = 0; // reports in the last batch

  constructor(
    private readonly store: Store,
    private readonly o: {
      maxQueue: number;
      maxBatch: number;
      defaultIntervalS: number;
      /**
       * While reports arrive together (more than one waits, or the last batch held more than one), a batch
       * begins at most this long after the previous one began, unless maxBatch reports wait (0: at once). A
       * group commit costs ~0.5 ms of the event loop and ~1 ms of CPU in all, whatever its size, and a report
       * ~0.1 ms (SQLite, in-process): at 1,000 reports/s, 1-3 a commit, most of the CPU went to commits
       * (bench:server open loop). A lone report, or one sender's reports one after another (an agent flushing
       * its spool), never waits: there is nothing to gather.
       */
      commitIntervalMs?: number;
    },
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  submit(item: IngestItem): Promise<IngestOutcome> {
    if (this.queue.length >= this.o.maxQueue) return Promise.reject(new Overloaded('ingest queue full'));
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.wake?.();
      if (this.queue.length >= this.o.maxBatch) this.full?.();
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
    // Pipelined: once a batch's transaction is committed (its fsync still running on the thread pool), the
    // next batch is applied; each batch's callers still resume only after their own commit is on disk. At
    // most PIPELINE batches are in flight; a store that never calls onCommitted (PostgreSQL) runs one at a time.
    const inFlight = new Set<Promise<void>>();
    try {
      // Also while batches are in flight: a report submitted meanwhile finds the batcher running.
      while (this.queue.length || inFlight.size) {
        if (inFlight.size >= PIPELINE) {
          await Promise.race(inFlight);
          continue;
        }
        if (!this.queue.length) {
          // the next report need not wait for the fsync in flight
          await Promise.race([...inFlight, new Promise<void>((r) => (this.wake = r))]);
          this.wake = undefined;
          await new Promise((r) => setImmediate(r)); // as in submit: the batch takes what arrived meanwhile
          continue;
        }
        const together = this.queue.length > 1 || this.lastSize > 1;
        const wait = this.lastStart + (this.o.commitIntervalMs ?? 0) - performance.now();
        if (together && wait > 0 && this.queue.length < this.o.maxBatch) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((r) => {
            this.full = r;
            timer = setTimeout(r, wait);
          });
          clearTimeout(timer);
          this.full = undefined;
          continue;
        }
        this.lastStart = performance.now();
        const batch = this.queue.splice(0, this.o.maxBatch);
        this.lastSize = batch.length;
        let committed!: () => void;
        const next = new Promise<void>((r) => {
          committed = r;
        });
        const done: Promise<void> = this.commit(batch, committed)
          .finally(committed)
          .finally(() => inFlight.delete(done));
        inFlight.add(done);
        await next;
        await new Promise((r) => setImmediate(r)); // requests read meanwhile join the next batch
      }
    } finally {
      this.running = false;
    }
  }

  /** One group commit; settles every caller of the batch, never rejects. */
  private async commit(batch: Waiting[], committed: () => void): Promise<void> {
    // Duplicates are the store's to find (one rule: the unique report id, which also catches the same
    // report twice in one batch, in two batches and on two instances at once).
    const items = batch.map((w) => w.item);
    let outcomes: Array<IngestOutcome | { error: unknown }>;
    try {
      outcomes = await this.store.ingest(items, this.o.defaultIntervalS, committed);
    } catch (e) {
      // One report the database refuses must not fail the others that shared its transaction: each
      // goes again in a transaction of its own (a database that is down fails them all, as it should).
      outcomes = batch.length === 1 ? [{ error: e }] : [];
      for (const it of batch.length === 1 ? [] : items) {
        try {
          outcomes.push((await this.store.ingest([it], this.o.defaultIntervalS))[0]);
        } catch (e1) {
          outcomes.push({ error: e1 });
        }
      }
    }
    batch.forEach((w, i) => {
      const o = outcomes[i];
      if (typeof o === 'object') w.reject(o.error);
      else w.resolve(o);
    });
  }
}
