import type { Config } from '../config/types.ts';
import { stderrLine } from '../log-line.ts';
import type { ScanResult } from '../model.ts';
import { Reporter, type FlushResult } from '../delivery/reporter.ts';
import { runSchedule, type CycleWorker, type ScheduleOptions } from './schedule.ts';

export interface DaemonOptions extends ScheduleOptions {
  reporter?: Reporter;
}

export function describeFlush(f: FlushResult): string {
  let s = `sent ${f.sent}, pending ${f.pending}`;
  if (f.rejected) s += `, rejected ${f.rejected}`;
  if (f.quarantined) s += `, quarantined ${f.quarantined}`;
  if (f.skipped === 'backoff') s += ', endpoint in backoff';
  if (f.error) s += `, delivery failed: ${f.error}`;
  if (f.retryAt) s += `, next try ${f.retryAt}`;
  return s;
}

/**
 * A cycle's work in this process: scan, keep the report in the spool, deliver what waits. The same
 * code runs in the daemon's cycle child (child-cycle.ts) and in-process (runDaemon).
 */
export function reporterWorker(config: Config, scanOnce: () => Promise<ScanResult>, reporter: Reporter): CycleWorker {
  return {
    async cycle(stop) {
      const started = Date.now();
      const result = await scanOnce();
      const q = await reporter.enqueue(result);
      const head = `${q.kind} report #${q.sequence} (+${q.added} -${q.resolved}), scan ${Date.now() - started} ms`;
      // Stopping: the report is on disk and goes out on the next start; do not hold shutdown for the network.
      if (stop.aborted) return `${head}; stopping before delivery`;
      if (!config.endpoint.url) {
        const { pending } = await reporter.counts();
        return `${head}; no endpoint.url configured: kept in the spool (${pending} waiting)`;
      }
      return `${head}; ${describeFlush(await reporter.flush())}`;
    },
    retryAt: () => reporter.retryAt(),
    async retry() {
      const f = await reporter.flush();
      return f.sent || f.rejected || f.error ? describeFlush(f) : undefined;
    },
  };
}

/**
 * Scans and delivers on the configured schedule in this process (runSchedule): the daemon command of
 * tests and embedders that bring their own scan. The ratwatch executable's daemon runs each cycle in a
 * child process instead (daemon/main.ts).
 */
export async function runDaemon(config: Config, scanOnce: () => Promise<ScanResult>, opts: DaemonOptions = {}): Promise<void> {
  const log = opts.log ?? stderrLine;
  const reporter = opts.reporter ?? new Reporter(config, { log });
  return runSchedule(config, reporterWorker(config, scanOnce, reporter), { ...opts, log });
}
