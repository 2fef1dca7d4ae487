import { describe, expect, it } from 'vitest';
import { NotifyError } from '../../../../server/notify/index.ts';
import { delivery, retryDelay, withRetries, type Attempt, type Delivery } from '../../../../server/notify/retry.ts';

// How a notifier retries: how many attempts a sink gets, what the server log says between them, and the one
// line the operator reads when it gives up. Waits are a few milliseconds; the log line says each wait.

/** An attempt that answers the scripted outcomes in turn (the last one repeats), counting calls. */
function script(outcomes: Attempt[]) {
  const s = { calls: 0, attempt: async (): Promise<Attempt> => outcomes[Math.min(s.calls++, outcomes.length - 1)] };
  return s;
}
const fail = (reason: string, retry = true, retryAfterMs?: number): Attempt => ({ ok: false, reason, retry, retryAfterMs });
const d = (over: Partial<Delivery> = {}): Delivery => ({
  timeoutMs: 1000,
  retries: 3,
  backoffMs: 1,
  maxBackoffMs: 1000,
  giveUpAfterMs: 60_000,
  ...over,
});

async function run(dl: Delivery, s: ReturnType<typeof script>) {
  const log: string[] = [];
  let error: unknown;
  await withRetries('hook', dl, s.attempt, (l) => log.push(l)).catch((e: unknown) => {
    error = e;
  });
  return { log, error: error as NotifyError | undefined, calls: s.calls };
}

describe('delivery settings', () => {
  it('defaults to 10 s per attempt, 3 retries, 1 s doubling up to 30 s, later rounds for 24 h', () => {
    expect(delivery({}, 'hook')).toEqual({
      timeoutMs: 10_000,
      retries: 3,
      backoffMs: 1_000,
      maxBackoffMs: 30_000,
      giveUpAfterMs: 86_400_000,
    });
    expect(delivery({ timeoutMs: 500, retries: 0, backoffMs: 0, maxBackoffMs: 0 }, 'hook')).toEqual({
      timeoutMs: 500,
      retries: 0,
      backoffMs: 0,
      maxBackoffMs: 0,
      giveUpAfterMs: 86_400_000,
    });
  });

  it('accepts the bounds themselves and refuses one past them, naming the notifier and the setting', () => {
    expect(delivery({ timeoutMs: 100, retries: 10, backoffMs: 600_000, maxBackoffMs: 600_000, giveUpAfterMs: 60_000 }, 'hook')).toEqual({
      timeoutMs: 100,
      retries: 10,
      backoffMs: 600_000,
      maxBackoffMs: 600_000,
      giveUpAfterMs: 60_000,
    });
    expect(delivery({ giveUpAfterMs: 30 * 86_400_000 }, 'hook').giveUpAfterMs).toBe(30 * 86_400_000);
    expect(delivery({ timeoutMs: 300_000 }, 'hook').timeoutMs).toBe(300_000);
    const bad: Array<[Partial<Delivery>, string]> = [
      [{ timeoutMs: 99 }, 'hook: timeoutMs must be from 100 to 300000'],
      [{ timeoutMs: 300_001 }, 'hook: timeoutMs must be from 100 to 300000'],
      [{ retries: -1 }, 'hook: retries must be from 0 to 10'],
      [{ retries: 11 }, 'hook: retries must be from 0 to 10'],
      [{ backoffMs: -1 }, 'hook: backoffMs must be from 0 to 600000'],
      [{ backoffMs: 600_001 }, 'hook: backoffMs must be from 0 to 600000'],
      [{ maxBackoffMs: -1 }, 'hook: maxBackoffMs must be from 0 to 600000'],
      [{ maxBackoffMs: 600_001 }, 'hook: maxBackoffMs must be from 0 to 600000'],
      [{ retries: Number.NaN }, 'hook: retries must be from 0 to 10'],
      [{ timeoutMs: Number.POSITIVE_INFINITY }, 'hook: timeoutMs must be from 100 to 300000'],
      [{ giveUpAfterMs: 59_999 }, 'hook: giveUpAfterMs must be from 60000 to 2592000000'],
      [{ giveUpAfterMs: 30 * 86_400_000 + 1 }, 'hook: giveUpAfterMs must be from 60000 to 2592000000'],
    ];
    for (const [o, msg] of bad) {
      expect(() => delivery(o, 'hook')).toThrow(NotifyError);
      expect(() => delivery(o, 'hook')).toThrow(msg);
    }
  });
});

describe('retries', () => {
  it('a first success is one attempt and logs nothing', async () => {
    const r = await run(d(), script([{ ok: true }]));
    expect(r).toEqual({ log: [], error: undefined, calls: 1 });
  });

  it('retries a temporary failure with doubling waits, then delivers', async () => {
    const r = await run(d({ backoffMs: 2 }), script([fail('HTTP 503'), fail('HTTP 503'), fail('HTTP 429'), { ok: true }]));
    expect(r.error).toBeUndefined();
    expect(r.calls).toBe(4);
    expect(r.log).toEqual([
      'hook: HTTP 503; retrying in 2 ms (1/3)',
      'hook: HTTP 503; retrying in 4 ms (2/3)',
      'hook: HTTP 429; retrying in 8 ms (3/3)',
    ]);
  });

  it('gives up after the retries with the last reason and the number of attempts', async () => {
    const r = await run(d({ retries: 2 }), script([fail('HTTP 500'), fail('HTTP 502')]));
    expect(r.calls).toBe(3);
    expect(r.error).toBeInstanceOf(NotifyError);
    expect(r.error?.message).toBe('hook: HTTP 502 (after 3 attempts)');
    expect(r.log).toHaveLength(2);
  });

  it('with no retries makes one attempt and names no attempt count', async () => {
    const r = await run(d({ retries: 0 }), script([fail('HTTP 503')]));
    expect(r.calls).toBe(1);
    expect(r.error?.message).toBe('hook: HTTP 503');
    expect(r.log).toEqual([]);
  });

  it('stops at once on a failure that cannot pass, even after earlier retries', async () => {
    const first = await run(d(), script([fail('HTTP 404', false)]));
    expect(first.calls).toBe(1);
    expect(first.error?.message).toBe('hook: HTTP 404');
    const later = await run(d(), script([fail('HTTP 503'), fail('HTTP 401', false), { ok: true }]));
    expect(later.calls).toBe(2);
    expect(later.error?.message).toBe('hook: HTTP 401 (after 2 attempts)');
  });

  it('waits as long as the sink asks (Retry-After), but never longer than the cap', async () => {
    const asked = await run(d({ backoffMs: 1 }), script([fail('HTTP 429', true, 7), { ok: true }]));
    expect(asked.log).toEqual(['hook: HTTP 429; retrying in 7 ms (1/3)']);
    const capped = await run(
      d({ backoffMs: 1, maxBackoffMs: 5 }),
      script([fail('HTTP 429', true, 60_000), fail('HTTP 503'), fail('x'), { ok: true }]),
    );
    expect(capped.log).toEqual([
      'hook: HTTP 429; retrying in 5 ms (1/3)',
      'hook: HTTP 503; retrying in 2 ms (2/3)',
      'hook: x; retrying in 4 ms (3/3)',
    ]);
    // a Retry-After shorter than the backoff does not shorten it: the one rule waits for the longer of both
    const now = await run(d({ backoffMs: 50 }), script([fail('HTTP 429', true, 0), { ok: true }]));
    expect(now.log).toEqual(['hook: HTTP 429; retrying in 50 ms (1/3)']);
  });

  it('works without a log', async () => {
    const s = script([fail('HTTP 503'), { ok: true }]);
    await withRetries('hook', d(), s.attempt);
    expect(s.calls).toBe(2);
  });
});

// The one backoff rule of the notifiers and the SIEM outbox.
describe('retryDelay', () => {
  it('doubles from the base, waits at least the Retry-After, and never past the maximum', () => {
    expect([0, 1, 2, 3].map((n) => retryDelay(n, 1000, 30_000))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelay(10, 1000, 30_000)).toBe(30_000);
    expect(retryDelay(1000, 30_000, 3_600_000)).toBe(3_600_000); // no overflow to Infinity or NaN
    expect(retryDelay(0, 1000, 30_000, 5000)).toBe(5000);
    expect(retryDelay(3, 1000, 30_000, 500)).toBe(8000);
    expect(retryDelay(0, 1000, 30_000, 120_000)).toBe(30_000);
  });
});
