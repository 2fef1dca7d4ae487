import { setTimeout as sleep } from 'node:timers/promises';
import { NotifyError, type DeliveryOptions, type NotifyLog } from './types.ts';

export interface Delivery {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  giveUpAfterMs: number;
}

export function delivery(o: DeliveryOptions, what: string): Delivery {
  const d = {
    timeoutMs: o.timeoutMs ?? 10_000,
    retries: o.retries ?? 3,
    backoffMs: o.backoffMs ?? 1_000,
    maxBackoffMs: o.maxBackoffMs ?? 30_000,
    giveUpAfterMs: o.giveUpAfterMs ?? 86_400_000,
  };
  const check = (k: keyof Delivery, min: number, max: number): void => {
    if (!Number.isFinite(d[k]) || d[k] < min || d[k] > max) throw new NotifyError(`${what}: ${k} must be from ${min} to ${max}`);
  };
  check('timeoutMs', 100, 300_000);
  check('retries', 0, 10);
  check('backoffMs', 0, 600_000);
  check('maxBackoffMs', 0, 600_000);
  check('giveUpAfterMs', 60_000, 30 * 86_400_000);
  return d;
}

/**
 * The longest one `send` can take: every attempt running into its timeout, every wait at its cap. A claimed
 * delivery is held at least this long (jobs/alert-delivery.ts), so no other round takes it while it runs.
 */
export function longestSendMs(d: Delivery): number {
  return (d.retries + 1) * d.timeoutMs + d.retries * d.maxBackoffMs;
}

/** An attempt's outcome: done, or failed with a one-line reason and whether trying again can help. */
export type Attempt = { ok: true } | { ok: false; reason: string; retry: boolean; retryAfterMs?: number | undefined };

/**
 * The wait before try `attempt` + 1 (notifiers in process, the SIEM outbox across rounds): `baseMs` doubled
 * per attempt, never sooner than the peer's Retry-After, never longer than `maxMs`.
 */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, retryAfterMs?: number): number {
  return Math.min(maxMs, Math.max(retryAfterMs ?? 0, baseMs * 2 ** Math.min(attempt, 30)));
}

/** Runs `attempt` until it succeeds, fails permanently, or the retries are used up; bounded in count and wait. */
export async function withRetries(name: string, d: Delivery, attempt: () => Promise<Attempt>, log?: NotifyLog): Promise<void> {
  // Stryker disable next-line StringLiteral: set by the first failed attempt before anything reads it
  let last = '';
  for (let n = 0; n <= d.retries; n++) {
    const r = await attempt();
    if (r.ok) return;
    last = r.reason;
    if (!r.retry || n === d.retries) {
      throw new NotifyError(`${name}: ${last}${n > 0 ? ` (after ${n + 1} attempts)` : ''}`);
    }
    const wait = retryDelay(n, d.backoffMs, d.maxBackoffMs, r.retryAfterMs);
    log?.(`${name}: ${last}; retrying in ${wait} ms (${n + 1}/${d.retries})`);
    await sleep(wait);
  }
  // Stryker disable next-line StringLiteral: unreachable, the last turn of the loop returns or throws
  throw new NotifyError(`${name}: ${last}`);
}
