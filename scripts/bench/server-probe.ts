// Where an ingest run's time goes on the server's side, printed after each run of bench:server's ingest
// section: event-loop delay (how long a ready request waited for the loop), garbage-collection pauses, and
// the group commits (reports per batch, how long a report waited in the batcher's queue, how long the
// store took per batch: the transaction on the event loop plus the log's fsync on the thread pool).
// It wraps the running store's ingest method; nothing in the server is changed for it.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { Store } from '../../server/store/types.ts';

const ms = (ns: number) => ns / 1e6;
const pct = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] : 0);

export interface Probe {
  stop(): Promise<string>;
}

/**
 * With `profileFile`, the server process's CPU profile of just this run is written there (open it in Chrome
 * DevTools or VS Code): BENCH_CPU_PROFILE=<folder> in bench-server.ts.
 */
export async function probeServer(store: Store, profileFile?: string): Promise<Probe> {
  let session: Session | undefined;
  if (profileFile) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const gcs: number[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push(e.duration);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const batchSizes: number[] = [];
  const batchMs: number[] = [];
  const queuedMs: number[] = [];
  const original = store.ingest;
  store.ingest = async function (this: Store, items, defaultIntervalS) {
    const start = Date.now();
    // receivedAt is taken once the request's body is read and checked: from then on the report waits for a batch.
    for (const it of items) queuedMs.push(start - Date.parse(it.receivedAt));
    const t = performance.now();
    try {
      return await original.call(this, items, defaultIntervalS);
    } finally {
      batchMs.push(performance.now() - t);
      batchSizes.push(items.length);
    }
  };
  return {
    async stop() {
      store.ingest = original;
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
      const gcTotal = gcs.reduce((a, x) => a + x, 0);
      const out = [
        `event-loop delay p50 ${ms(loop.percentile(50)).toFixed(1)} ms, p99 ${ms(loop.percentile(99)).toFixed(1)} ms, max ${ms(loop.max).toFixed(1)} ms`,
        `GC ${gcs.length} pauses on a heap of ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB, ${gcTotal.toFixed(0)} ms in all, p99 ${pct(g, 99).toFixed(1)} ms, max ${(g.at(-1) ?? 0).toFixed(1)} ms`,
        `${b.length} group commits of p50 ${pct(s, 50)}, max ${s.at(-1) ?? 0} reports; store p50 ${pct(b, 50).toFixed(1)} ms, p99 ${pct(b, 99).toFixed(1)} ms per commit`,
        `a report waited for its commit p50 ${pct(q, 50)} ms, p99 ${pct(q, 99)} ms`,
      ].join('; ');
      return out;
    },
  };
}
