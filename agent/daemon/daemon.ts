import cron from 'node-cron';
import { oneLine } from '../config/errors.ts';
import { stderrLine } from '../log-line.ts';
import type { Config } from '../config/types.ts';
import type { ScanResult } from '../model.ts';
import { Reporter, type FlushResult } from '../delivery/reporter.ts';
import { sleep } from './sleep.ts';

export interface DaemonOptions {
  signal?: AbortSignal;
  reporter?: Reporter;
  /** One line per call; default stderr. */
  log?: (line: string) => void;
  /** Run a cycle right away (after jitter) instead of waiting for the first cron time; default true. */
  runAtStart?: boolean;
  random?: () => number;
}

function describeFlush(f: FlushResult): string {
  let s = `sent ${f.sent}, pending ${f.pending}`;
  if (f.rejected) s += `, rejected ${f.rejected}`;
  if (f.quarantined) s += `, quarantined ${f.quarantined}`;
  if (f.skipped === 'backoff') s += ', endpoint in backoff';
  if (f.error) s += `, delivery failed: ${f.error}`;
  if (f.retryAt) s += `, next try ${f.retryAt}`;
  return s;
}

/**
 * Scans on the configured cron schedule (after a random jitter so a fleet does not report in the same
 * second), never two cycles at once, and retries delivery between cycles when the endpoint is failing.
 * Resolves once the signal aborts and the cycle in progress has finished; one log line per cycle.
 */
export async function runDaemon(config: Config, scanOnce: () => Promise<ScanResult>, opts: DaemonOptions = {}): Promise<void> {
  const log = opts.log ?? stderrLine;
  const reporter = opts.reporter ?? new Reporter(config, { log });
  const random = opts.random ?? Math.random;
  const stop = new AbortController();
  const signal = opts.signal;
  if (signal?.aborted) return;
  signal?.addEventListener('abort', () => stop.abort(), { once: true });

  let cycle = 0;
  let busy: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  // One guard for scheduled cycles, the start cycle and retries, so none ever overlaps another.
  const exclusive = (what: string, fn: () => Promise<void>, quietSkip = false): Promise<void> => {
    if (busy) {
      if (!quietSkip) log(`ratwatch: ${what} skipped: previous cycle still running`);
      return busy;
    }
    // Re-armed only after a run that did not throw: a spool that cannot be read would otherwise be
    // retried (and logged) in a tight loop; the next scheduled cycle tries again instead.
    const run = fn()
      .then(() => {
        busy = undefined;
        if (!stop.signal.aborted) void armRetry();
      })
      .catch((e) => {
        busy = undefined;
        log(`ratwatch: ${what} failed: ${oneLine(e)}`);
      });
    busy = run;
    return run;
  };

  // Between cycles, a failing endpoint is retried when its backoff (or Retry-After) expires.
  const armRetry = async () => {
    clearTimeout(retryTimer);
    const at = await reporter.retryAt().catch(() => undefined);
    if (!at || stop.signal.aborted) return;
    // A retry that meets a running cycle is dropped quietly: the cycle flushes and re-arms it.
    retryTimer = setTimeout(
      () => {
        void exclusive(
          'retry',
          async () => {
            const f = await reporter.flush();
            if (f.sent || f.rejected || f.error) log(`ratwatch: retry: ${describeFlush(f)}`);
          },
          true,
        );
      },
      Math.max(0, at.getTime() - Date.now()) + 50,
    );
  };

  const runCycle = () =>
    exclusive('scheduled scan', async () => {
      const n = ++cycle;
      const jitterMs = Math.floor(random() * config.jitterSeconds * 1000);
      await sleep(jitterMs, stop.signal);
      if (stop.signal.aborted) return;
      const started = Date.now();
      const result = await scanOnce();
      const q = await reporter.enqueue(result);
      const head = `ratwatch: cycle ${n}: ${q.kind} report #${q.sequence} (+${q.added} -${q.resolved}), scan ${Date.now() - started} ms`;
      // Stopping: the report is on disk and goes out on the next start; do not hold shutdown for the network.
      if (stop.signal.aborted) return log(`${head}; stopping before delivery`);
      if (!config.endpoint.url) {
        const { pending } = await reporter.counts();
        return log(`${head}; no endpoint.url configured: kept in the spool (${pending} waiting)`);
      }
      const f = await reporter.flush();
      log(`${head}; ${describeFlush(f)}`);
    });

  // node-cron's own noOverlap is not used: the start cycle and retries run outside it, and one guard
  // (exclusive) gives one consistent skip message.
  const task = cron.createTask(config.schedule, () => runCycle(), {
    name: 'ratwatch-scan',
    logger: {
      info: () => undefined,
      debug: () => undefined,
      warn: (m: string) => log(`ratwatch: schedule: ${oneLine(m)}`),
      error: (m: string | Error) => log(`ratwatch: schedule: ${oneLine(m)}`),
    },
  });
  await task.start();
  log(`ratwatch: daemon started, schedule "${config.schedule}", jitter up to ${config.jitterSeconds} s, spool ${config.spoolDir}`);
  if (!config.endpoint.url) {
    const where = config.file ? ` to ${config.file}` : '';
    log(`ratwatch: no endpoint.url: reports are kept in the spool; add endpoint.url${where} and restart the daemon to deliver them`);
  }
  if (opts.runAtStart ?? true) void runCycle();

  await new Promise<void>((resolve) => {
    if (stop.signal.aborted) resolve();
    else stop.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await task.stop();
  await task.destroy();
  clearTimeout(retryTimer);
  if (busy) await busy;
  clearTimeout(retryTimer);
  log(`ratwatch: daemon stopped after ${cycle} cycle(s)`);
}
