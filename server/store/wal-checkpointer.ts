import { Worker } from 'node:worker_threads';

// SQLite copies the write-ahead log back into the database (a checkpoint) inside the commit that takes the
// log past wal_autocheckpoint pages, and syncs the log and the database file on the way: with better-sqlite3
// that is on the event loop, tens of milliseconds per checkpoint under ingest. The server's store hands them
// to a worker thread with its own connection instead (wal-checkpoint-worker.mjs), at most one at a time and
// one per interval (sooner when the log grows fast: `nextWait`), poked after a commit; the serving connection
// keeps a far higher wal_autocheckpoint (SAFETY_NET_PAGES) only in case the worker falls behind or dies.
//
// Copying is not enough: the log only starts again from its first frame when a writer begins while every
// frame is copied back, and under steady ingest a commit always lands while a PASSIVE checkpoint copies. The
// log then grew to the safety net, which checkpointed on the event loop inside a commit (the 200 ms stalls of
// bench:server's open-loop run). So once the passes leave a log of RESTART_FRAMES or more, the thread syncs
// the database file (the pages the passes wrote) and runs a few quick passes more, until one finds nothing
// new; if a commit began meanwhile while every frame was copied back, that commit restarted the log
// itself. Otherwise it runs a RESTART checkpoint: it
// takes the write lock, copies the few frames committed since its last pass, syncs the database and resets
// the log. Meanwhile the store holds its ingest commits back (`gate`): the event loop keeps reading and
// checking reports, and no commit of the serving connection waits on the lock in SQLite's busy handler,
// which sleeps the event loop. Other writes on the serving connection (rare) may still wait there, for at
// most the hold. The first commit after a restart syncs the log's new header, as any commit that restarts
// the log does.
// Durability is unchanged: a checkpoint only copies what is already committed in the log.

/** The serving connection's own threshold while the worker checkpoints (SQLite's default is 1000). */
export const SAFETY_NET_PAGES = 10_000;
export const DEFAULT_PAGES = 1000;
/** A log this long after the passive passes is restarted (SQLite's own threshold: smaller logs wait). */
export const RESTART_FRAMES = DEFAULT_PAGES;

export interface CheckpointResult {
  busy?: number;
  log?: number;
  checkpointed?: number;
  /** The longest the log was during the checkpoint's passes. */
  frames?: number;
  /** A commit restarted the log during the passes (every frame was copied back as it began): no RESTART needed. */
  caughtUp?: boolean;
  error?: string;
}

export class WalCheckpointer {
  private readonly worker: Worker;
  private running = false;
  private lastAt = 0;
  private waitMs: number;
  private restartedAt: number;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private openGate: (() => void) | undefined;
  /** While the thread restarts the log: what ingest commits wait for. */
  gate: Promise<void> | undefined;
  /** The last checkpoint's counts, or why it failed. */
  last: CheckpointResult | undefined;
  count = 0;
  /** Restarts of the log by the thread, and the ones that gave up (busy) or failed. */
  restarts = 0;
  /** Checkpoints that caught up with the log, so that a commit restarted it (no RESTART needed). */
  caughtUp = 0;
  restartsMissed = 0;
  /** Time spent in checkpoints, and the longest one since the holder last set it to 0 (bench:server prints them). */
  totalMs = 0;
  maxMs = 0;
  /** How long the gate was closed, in all and at most since the holder last set it to 0. */
  heldMs = 0;
  maxHeldMs = 0;
  private startedAt = 0;
  private gatedAt = 0;
  /** A poke came while a checkpoint ran or before its wait was over: one runs once it may (`later`). */
  private declined = false;
  private followUp: NodeJS.Timeout | undefined;

  constructor(
    file: string,
    private readonly o: {
      /** At most one checkpoint per interval, sooner when the log grows fast (`poke`). */
      intervalMs: number;
      onExit: (why: string) => void;
      now?: () => number;
      /** RESTART_FRAMES unless given (tests). */
      restartFrames?: number;
      /** How long the thread's RESTART may wait for the write lock and for readers. */
      busyTimeoutMs?: number;
      /**
       * An open descriptor of the database file, which the thread syncs before it restarts the log (the
       * worker's comments say why). Its holder closes it only after the process's last connection to the file:
       * closing any descriptor of a file drops the process's POSIX locks on it, SQLite's among them.
       */
      dbFd?: number;
    },
  ) {
    this.worker = new Worker(new URL('./wal-checkpoint-worker.mjs', import.meta.url), {
      workerData: { file, busyTimeoutMs: o.busyTimeoutMs ?? 100, restartFrames: o.restartFrames ?? RESTART_FRAMES, dbFd: o.dbFd },
    });
    this.worker.unref(); // never what keeps the process alive
    this.waitMs = o.intervalMs;
    this.restartedAt = this.now();
    const gone = (why: string) => {
      this.running = false;
      this.release();
      for (const w of this.idleWaiters.splice(0)) w();
      if (!this.closed) {
        this.closed = true;
        this.o.onExit(why);
      }
    };
    this.worker.on('message', (r: CheckpointResult & { fatal?: string; op?: string }) => {
      if (r.fatal !== undefined) return gone(`checkpoint thread failed: ${r.fatal}`);
      this.last = r;
      if (r.op === 'checkpoint' && r.error === undefined && !r.caughtUp && (r.log ?? 0) >= (this.o.restartFrames ?? RESTART_FRAMES)) {
        this.gatedAt = this.now();
        this.gate = new Promise((resolve) => (this.openGate = resolve));
        this.worker.postMessage('restart');
        return;
      }
      if (r.op === 'restart') {
        if (r.busy || r.error !== undefined) this.restartsMissed++;
        else this.restarts++;
        this.release();
      }
      this.count++;
      this.running = false;
      this.lastAt = this.now();
      this.waitMs = this.nextWait(Math.max(r.frames ?? 0, r.log ?? 0));
      if (r.caughtUp) this.caughtUp++;
      if ((r.op === 'restart' && !r.busy && r.error === undefined) || r.caughtUp) this.restartedAt = this.lastAt;
      if (this.declined) this.later(this.waitMs);
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

  /**
   * The wait before the next checkpoint: the interval, or less when the log, at the pace it grew since it
   * last restarted, would reach a quarter of the safety net sooner, counting the time the next checkpoint
   * takes (as long as this one) while commits go on (a burst of ingest: at 1,400 reports/s the log grows by
   * some 10,000 frames a second). At most ten per interval.
   */
  private nextWait(frames: number): number {
    const perMs = frames / Math.max(1, this.lastAt - this.restartedAt);
    const full = this.o.intervalMs;
    const took = this.lastAt - this.startedAt;
    return perMs > 0 ? Math.max(full / 10, Math.min(full, SAFETY_NET_PAGES / 4 / perMs - took)) : full;
  }

  private release(): void {
    if (!this.openGate) return;
    const held = this.now() - this.gatedAt;
    this.heldMs += held;
    this.maxHeldMs = Math.max(this.maxHeldMs, held);
    this.openGate();
    this.openGate = undefined;
    this.gate = undefined;
  }

  /**
   * After a commit: starts a checkpoint unless one runs or the last ended less than its wait ago; then one
   * starts once it may, commits or not. Only poked by commits, the log of a burst's last commits waited for
   * the next commit: bench:server's open-loop run began with 7,500 frames of the run before to copy back and
   * sync, and its first commits took 25-45 ms behind that (p99 over the first second 50-70 ms).
   */
  poke(): void {
    if (this.closed) return;
    if (this.running) {
      this.declined = true;
      return;
    }
    const wait = this.waitMs - (this.now() - this.lastAt);
    if (wait > 0) {
      this.later(wait);
      return;
    }
    this.declined = false;
    clearTimeout(this.followUp);
    this.followUp = undefined;
    this.running = true;
    this.startedAt = this.now();
    this.worker.postMessage('checkpoint');
  }

  private later(ms: number): void {
    this.declined = true;
    if (this.followUp || this.closed) return;
    this.followUp = setTimeout(() => {
      this.followUp = undefined;
      this.poke();
    }, ms);
    this.followUp.unref(); // never what keeps the process alive
  }

  /** Resolves once no checkpoint is running. */
  idle(): Promise<void> {
    return this.running ? new Promise((r) => this.idleWaiters.push(r)) : Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.idle();
    this.closed = true;
    clearTimeout(this.followUp);
    const exited = new Promise((r) => this.worker.once('exit', r));
    this.worker.ref(); // unreferenced, its exit would not keep the process alive long enough to be awaited
    this.worker.postMessage('close');
    await exited;
  }
}
