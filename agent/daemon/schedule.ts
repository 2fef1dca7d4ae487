import { oneLine } from '../config/errors.ts';
import type { Config } from '../config/types.ts';
import { stderrLine } from '../log-line.ts';
import { parseCron } from './cron-time.ts';
import { startCronTimer } from './cron-timer.ts';
import { sleep } from './sleep.ts';

// The daemon's scheduler alone: cron, jitter, one cycle at a time, retries between cycles. What a cycle
// does is the worker's business, so the resident daemon can hand every cycle to a child process
// (child-cycle.ts) and keep nothing of a scan or a delivery between cycles.

/** What the scheduler asks of a cycle's work; every method may throw, which is logged in one line. */
export interface CycleWorker {
  /** One scan and its delivery; the cycle's log line after "ratwatch: cycle N: ". A stopping daemon aborts `stop`: deliver nothing then. */
  cycle(stop: AbortSignal): Promise<string>;
  /** When to retry delivery to a failing endpoint, if reports are waiting on it. */
  retryAt(): Promise<Date | undefined>;
  /** One retry; the log line after "ratwatch: retry: ", or undefined when there is nothing to say. */
  retry(): Promise<string | undefined>;
}

export type ScheduleConfig = Pick<Config, 'schedule' | 'jitterSeconds' | 'spoolDir' | 'file'> & { endpoint: { url?: string | undefined } };

export interface ScheduleOptions {
  signal?: AbortSignal;
  /** One line per call; default stderr. */
  log?: (line: string) => void;
  /** Run a cycle right away (after jitter) instead of waiting for the first cron time; default true. */
  runAtStart?: boolean;
  random?: () => number;
}

/**
 * Runs the worker on the configured cron schedule (after a random jitter so a fleet does not report in
 * the same second), never two cycles at once, and retries delivery between cycles when the endpoint is
 * failing. Resolves once the signal aborts and the cycle in progress has finished; one log line per cycle.
 */
export async function runSchedule(config: ScheduleConfig, worker: CycleWorker, opts: ScheduleOptions = {}): Promise<void> {
  const log = opts.log ?? stderrLine;
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
    const at = await worker.retryAt().catch(() => undefined);
    if (!at || stop.signal.aborted) return;
    // A retry that meets a running cycle is dropped quietly: the cycle flushes and re-arms it.
    retryTimer = setTimeout(
      () => {
        void exclusive(
          'retry',
          async () => {
            const line = await worker.retry();
            if (line) log(`ratwatch: retry: ${line}`);
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
      log(`ratwatch: cycle ${n}: ${await worker.cycle(stop.signal)}`);
    });

  // The schedule's times come from a timer of our own over node-cron's reading of the expression
  // (cron-time.ts: node-cron's matcher keeps ICU's locale data resident). Its start cycle and retries run
  // outside any cron overlap guard anyway: one guard (exclusive) gives one consistent skip message.
  const timer = startCronTimer(parseCron(config.schedule), () => void runCycle(), {
    missed: (n, first) =>
      log(
        `ratwatch: schedule: ${n} scheduled time(s) from ${first.toISOString()} missed (machine asleep or busy); waiting for the next one`,
      ),
  });
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
  timer.stop();
  clearTimeout(retryTimer);
  if (busy) await busy;
  clearTimeout(retryTimer);
  log(`ratwatch: daemon stopped after ${cycle} cycle(s)`);
}
