import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Reporter } from '../../../../agent/delivery/reporter.ts';
import { SpoolBusyError } from '../../../../agent/spool/lock.ts';
import { reportConfig } from '../../../helpers/report-helpers.ts';

// How long a command waits for the spool while another live ratwatch process holds it: one request's
// timeout and 5 s (for HEC also the acknowledgment wait it may hold the lock for), then a one-line
// SpoolBusyError. The lock and the spool are real files; only the clock is a fake one the test moves, so
// the wait is measured without waiting.

const root = mkdtempSync(join(tmpdir(), 'ratwatch-delivery-w-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  vi.useRealTimers();
});
let n = 0;

/** Spool held by a live process that is not this one (the test runner's parent). */
function heldSpool(): string {
  const dir = join(root, `s${++n}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'lock'), String(process.ppid));
  return dir;
}

/** Lets real file I/O run until the waiter either settled or sleeps on the fake clock. */
async function next(state: { settled: boolean }): Promise<'settled' | 'waiting'> {
  // bounded by real time (performance is not faked), generous for a loaded machine
  const until = performance.now() + 30_000;
  while (performance.now() < until) {
    if (state.settled) return 'settled';
    if (vi.getTimerCount() > 0) return 'waiting';
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('the lock waiter neither gave up nor slept');
}

async function gaveUpAfter(reporter: Reporter, dir: string, waitMs: number): Promise<void> {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout'] });
  const state = { settled: false };
  const counts = reporter.counts();
  const outcome = counts.then(
    () => {
      state.settled = true;
      return undefined;
    },
    (e: unknown) => {
      state.settled = true;
      return e;
    },
  );
  expect(await next(state)).toBe('waiting');
  vi.advanceTimersByTime(waitMs - 1);
  expect(await next(state)).toBe('waiting'); // 1 ms before the deadline it still waits
  vi.advanceTimersByTime(100); // its next look at the lock is past the deadline
  expect(await next(state)).toBe('settled');
  const e = await outcome;
  expect(e).toBeInstanceOf(SpoolBusyError);
  expect((e as Error).message).toBe(`spool ${dir} is in use by another ratwatch process`);
}

describe('waiting for a spool another process holds', () => {
  it('native: the request timeout and 5 s', async () => {
    const dir = heldSpool();
    const reporter = new Reporter(reportConfig(dir, { timeoutMs: '3000' }), { log: () => {} });
    await gaveUpAfter(reporter, dir, 3000 + 5000);
  });

  it('splunk-hec: twice the request timeout, the acknowledgment wait and 5 s', async () => {
    const dir = heldSpool();
    const config = reportConfig(dir, {
      endpointUrl: 'https://127.0.0.1:8088/services/collector',
      endpointFormat: 'splunk-hec',
      timeoutMs: '3000',
      hecAckWaitMs: '2000',
    });
    const reporter = new Reporter(config, { log: () => {} });
    await gaveUpAfter(reporter, dir, 3000 + 3000 + 2000 + 5000);
  });
});
