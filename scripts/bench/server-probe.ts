// Where an ingest run's time goes on the server's side, printed after each run of bench:server's ingest
// section: event-loop delay (how long a ready request waited for the loop), garbage-collection pauses, and
// the group commits (reports per batch, how long a report waited in the batcher's queue, how long the
// store took per batch: the transaction on the event loop plus the log's fsync on the thread pool).
// It wraps the running store's ingest method; nothing in the server is changed for it.
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { Store } from '../../server/store/types.ts';
import { SAFETY_NET_PAGES, type WalCheckpointer } from '../../server/store/wal-checkpointer.ts';
import { walFrames } from '../../test/helpers/server/wal-index.ts';

const ms = (ns: number) => ns / 1e6;

const pct = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] : 0);

export interface Probe {
  stop(): Promise<string>;
  /** With `timeline`: what happened when, in ms since the epoch (performance.timeOrigin based, as the load generator's). */
  timeline?: Timeline;
}

export interface Timeline {
  // applied: the transaction committed, its fsync not yet done
  commits: Array<{ start: number; applied?: number; end: number; size: number; oldestReceived: number }>;
  lags: Array<{ at: number; ms: number }>; // a 5 ms timer that fired late by more than 10 ms
  gcs: Array<{ start: number; ms: number; kind: number }>;
  wal: Array<{ at: number; frames?: number; backfilled?: number; checkpoints: number }>; // sampled every 5 ms, on a change
  /** With a CPU profile: one instant on the profile's clock (µs) and on the timeline's, to place its samples. */
  profileClock?: { monoUs: number; epochMs: number };
}

const at = () => performance.timeOrigin + performance.now();

/**
 * With `profileFile`, the server process's CPU profile of just this run is written there (open it in Chrome
 * DevTools or VS Code): BENCH_CPU_PROFILE=<folder> in bench-server.ts.
 */
export async function probeServer(
  store: Store,
  profileFile?: string,
  o: { walFile?: string | undefined; timeline?: boolean } = {},
): Promise<Probe> {
  const tl: Timeline | undefined = o.timeline ? { commits: [], lags: [], gcs: [], wal: [] } : undefined;
  const checkpointer = (store as { checkpointer?: WalCheckpointer }).checkpointer;
  const cp0 = {
    count: checkpointer?.count ?? 0,
    totalMs: checkpointer?.totalMs ?? 0,
    restarts: checkpointer?.restarts ?? 0,
    caughtUp: checkpointer?.caughtUp ?? 0,
    missed: checkpointer?.restartsMissed ?? 0,
    heldMs: checkpointer?.heldMs ?? 0,
  };
  if (checkpointer) {
    checkpointer.maxMs = 0;
    checkpointer.maxHeldMs = 0;
  }
  // The log's size every 5 ms from the -shm file (a read of 100 bytes), and in the timeline the loop's lateness.
  let shm: number | undefined;
  try {
    shm = o.walFile ? openSync(o.walFile.replace(/-wal$/, '-shm'), 'r') : undefined;
  } catch {}
  let peakFrames = 0;
  let restarts = 0;
  // Commits after which the log reached the serving connection's wal_autocheckpoint: each of them checkpointed
  // on the event loop (unless the thread's checkpoint was running and SQLite skipped it).
  let safetyNets = 0;
  let committedFrames = 0;
  let last = at();
  let lastFrames = -1;
  let lastCount = -1;
  const sampler = setInterval(() => {
    const t = at();
    if (t - last > 15) tl?.lags.push({ at: t, ms: t - last - 5 });
    last = t;
    const f = walFrames(shm);
    const count = checkpointer?.count ?? 0;
    if (f) {
      peakFrames = Math.max(peakFrames, f.frames);
      if (f.frames < lastFrames) restarts++;
    }
    if (tl && ((f?.frames ?? 0) !== lastFrames || count !== lastCount)) tl.wal.push({ at: t, ...f, checkpoints: count });
    lastFrames = f?.frames ?? 0;
    lastCount = count;
  }, 5);
  let session: Session | undefined;
  if (profileFile) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    if (tl) tl.profileClock = { monoUs: Number(process.hrtime.bigint() / 1000n), epochMs: at() };
  }
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const gcs: number[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcs.push(e.duration);
      tl?.gcs.push({
        start: performance.timeOrigin + e.startTime,
        ms: e.duration,
        kind: (e as { detail?: { kind?: number } }).detail?.kind ?? 0,
      });
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const batchSizes: number[] = [];
  const batchMs: number[] = [];
  const queuedMs: number[] = [];
  const applyMs: number[] = []; // until the transaction is committed (the fsync not yet done): on the event loop with SQLite
  const original = store.ingest;
  // The batcher's onCommitted is passed on: without it the pipeline would wait for each fsync.
  store.ingest = async function (this: Store, items, defaultIntervalS, onCommitted) {
    const start = Date.now();
    // receivedAt is taken once the request's body is read and checked: from then on the report waits for a batch.
    let oldest = start;
    for (const it of items) {
      const r = Date.parse(it.receivedAt);
      queuedMs.push(start - r);
      oldest = Math.min(oldest, r);
    }
    const t = performance.now();
    let applied: number | undefined;
    try {
      return await original.call(this, items, defaultIntervalS, () => {
        applyMs.push(performance.now() - t);
        applied = at();
        const f = walFrames(shm);
        if (f && f.frames >= SAFETY_NET_PAGES && committedFrames < SAFETY_NET_PAGES) safetyNets++;
        if (f) committedFrames = f.frames;
        onCommitted?.();
      });
    } finally {
      batchMs.push(performance.now() - t);
      batchSizes.push(items.length);
      tl?.commits.push({
        start: performance.timeOrigin + t,
        ...(applied ? { applied } : {}),
        end: at(),
        size: items.length,
        oldestReceived: oldest,
      });
    }
  };
  return {
    ...(tl ? { timeline: tl } : {}),
    async stop() {
      store.ingest = original;
      clearInterval(sampler);
      if (shm !== undefined) closeSync(shm);
      if (session && profileFile) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(profileFile, JSON.stringify(profile));
        session.disconnect();
      }
      loop.disable();
      gcObserver.disconnect();
      const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
      const q = sorted(queuedMs);
      const b = sorted(batchMs);
      const s = sorted(batchSizes);
      const g = sorted(gcs);
      const a = sorted(applyMs);
      const gcTotal = gcs.reduce((a, x) => a + x, 0);
      const out = [
        `event-loop delay p50 ${ms(loop.percentile(50)).toFixed(1)} ms, p99 ${ms(loop.percentile(99)).toFixed(1)} ms, max ${ms(loop.max).toFixed(1)} ms`,
        `GC ${gcs.length} pauses on a heap of ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB, ${gcTotal.toFixed(0)} ms in all, p99 ${pct(g, 99).toFixed(1)} ms, max ${(g.at(-1) ?? 0).toFixed(1)} ms`,
        `${b.length} group commits of p50 ${pct(s, 50)}, max ${s.at(-1) ?? 0} reports; store p50 ${pct(b, 50).toFixed(1)} ms, p99 ${pct(b, 99).toFixed(1)} ms, max ${(b.at(-1) ?? 0).toFixed(1)} ms per commit${a.length ? ` (committed before the log's fsync: p99 ${pct(a, 99).toFixed(1)} ms, max ${(a.at(-1) ?? 0).toFixed(1)} ms)` : ''}`,
        `a report waited for its commit p50 ${pct(q, 50)} ms, p99 ${pct(q, 99)} ms`,
        ...(shm === undefined
          ? []
          : [
              `SQLite log peak ${peakFrames} frames, restarted ${restarts} times (${(checkpointer?.restarts ?? 0) - cp0.restarts} by the thread, ${(checkpointer?.caughtUp ?? 0) - cp0.caughtUp} after it caught up, ${(checkpointer?.restartsMissed ?? 0) - cp0.missed} of its tries busy), reached the safety net of ${SAFETY_NET_PAGES} frames (a checkpoint on the event loop) ${safetyNets} times; ${(checkpointer?.count ?? 0) - cp0.count} checkpoints on the thread, ${((checkpointer?.totalMs ?? 0) - cp0.totalMs).toFixed(0)} ms in all, max ${(checkpointer?.maxMs ?? 0).toFixed(0)} ms; ingest held back during its restarts ${((checkpointer?.heldMs ?? 0) - cp0.heldMs).toFixed(0)} ms in all, max ${(checkpointer?.maxHeldMs ?? 0).toFixed(1)} ms`,
            ]),
      ].join('; ');
      return out;
    },
  };
}
