import { Worker } from 'node:worker_threads';

// SQLite copies the write-ahead log back into the database (a checkpoint) inside the commit that takes the
// log past wal_autocheckpoint pages, and syncs the log and the database file on the way: with better-sqlite3
// that is on the event loop, tens of milliseconds per checkpoint under ingest, every few group commits (the
// bench:server probe's slow commits). The server's store hands them to a worker thread with its own connection
// instead (wal-checkpoint-worker.mjs), at most one at a time and one per interval; the serving connection
// keeps a far higher wal_autocheckpoint (SAFETY_NET_PAGES) only in case the worker falls behind or dies.
// Durability is unchanged: a checkpoint only copies what is already committed in the log.

/** The serving connection's own threshold while the worker checkpoints (SQLite's default is 1000). */
export const SAFETY_NET_PAGES = 10_000;
export const DEFAULT_PAGES = 1000;

export interface CheckpointResult {
  busy?: number;
  log?: number;
  checkpointed?: number;
  error?: string;
}

export class WalCheckpointer {
  private readonly worker: Worker;
  private running = false;
  private lastAt = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  /** The last checkpoint's counts, or why it failed. */
  last: CheckpointResult | undefined;
  count = 0;
  /** Time spent in checkpoints, and the longest one since the holder last set it to 0 (bench:server prints them). */
  totalMs = 0;
  maxMs = 0;
  private startedAt = 0;

  constructor(
    file: string,
    private readonly o: { minIntervalMs: number; onExit: (why: string) => void; now?: () => number },
  ) {
    this.worker = new Worker(new URL('./wal-checkpoint-worker.mjs', import.meta.url), { workerData: { file } });
    this.worker.unref(); // never what keeps the process alive
    const gone = (why: string) => {
      this.running = false;
      for (const w of this.idleWaiters.splice(0)) w();
      if (!this.closed) {
        this.closed = true;
        this.o.onExit(why);
      }
    };
    this.worker.on('message', (r: CheckpointResult & { fatal?: string }) => {
      if (r.fatal !== undefined) return gone(`checkpoint thread failed: ${r.fatal}`);
      this.last = r;
      this.count++;
      this.running = false;
      this.lastAt = this.now();
      this.totalMs += this.lastAt - this.startedAt;
      this.maxMs = Math.max(this.maxMs, this.lastAt - this.startedAt);
      for (const w of this.idleWaiters.splice(0)) w();
    });
    this.worker.on('error', (e) => gone(`checkpoint thread failed: ${String((e as Error | undefined)?.message ?? e).split('\n')[0]}`));
    this.worker.on('exit', (code) => gone(`checkpoint thread exited with ${code}`));
  }

  private now(): number {
    return this.o.now?.() ?? performance.now();
  }

  /** After a commit: starts a checkpoint unless one runs or the last ended less than the interval ago. */
  poke(): void {
    if (this.closed || this.running || this.now() - this.lastAt < this.o.minIntervalMs) return;
    this.running = true;
    this.startedAt = this.now();
    this.worker.postMessage('checkpoint');
  }

  /** Resolves once no checkpoint is running. */
  idle(): Promise<void> {
    return this.running ? new Promise((r) => this.idleWaiters.push(r)) : Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.idle();
    this.closed = true;
    const exited = new Promise((r) => this.worker.once('exit', r));
    this.worker.ref(); // unreferenced, its exit would not keep the process alive long enough to be awaited
    this.worker.postMessage('close');
    await exited;
  }
}
