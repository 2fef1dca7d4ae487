import { describe, expect, it } from 'vitest';
import { retryDelay } from '../../../../server/notify/retry.ts';

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
