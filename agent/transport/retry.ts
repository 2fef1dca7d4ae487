// When the endpoint is unwell, every spooled report waits together: one backoff for the endpoint,
// doubling per consecutive failure, with jitter so a fleet that lost the same server does not return
// in lockstep; a server's Retry-After can lengthen the delay, capped so it cannot park the agent.

/** Retry-After as milliseconds: delta-seconds or an HTTP-date (RFC 9110 10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** Delay before attempt n+1 after n consecutive failures: full base*2^(n-1), then a random 50-100% of it. */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 40));
  return Math.round(exp * (0.5 + random() / 2));
}

/**
 * Retry-After is a floor, not a replacement: "Retry-After: 0" from a struggling server must not turn
 * the backoff into a busy loop. Either way the wait is capped at maxMs.
 */
export function retryDelay(failures: number, retryAfterMs: number | undefined, policy: BackoffPolicy, random?: () => number): number {
  return Math.min(Math.max(retryAfterMs ?? 0, backoffDelay(failures, policy, random)), policy.maxMs);
}
