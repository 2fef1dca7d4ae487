// Failed logins per client address and per user name: after `max` failures within `windowMs` further
// attempts are refused until the window has passed, so a password cannot be guessed at network speed and
// one attacker cannot lock every account by rotating names only (the per-address limit stops them first).
export interface LoginLimits {
  max: number;
  windowMs: number;
}
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { max: 5, windowMs: 15 * 60_000 };
const MAX_KEYS = 50_000;

/** What the sign-in form asks; the server backs it with its database so every instance counts the same failures. */
export interface LoginLimiter {
  /** Seconds to wait before another attempt is accepted; 0 when allowed. */
  retryAfter(ip: string, username: string, now: number): number | Promise<number>;
  fail(ip: string, username: string, now: number): void | Promise<void>;
  succeed(ip: string, username: string): void | Promise<void>;
}

/** The keys one attempt counts under. */
export function limitKeys(ip: string, username: string): [string, string] {
  return [`ip:${ip}`, `u:${username.toLowerCase()}`];
}

/** Seconds until the oldest of the last `max` failures (ascending times within the window) leaves the window. */
export function waitSeconds(times: number[], limits: LoginLimits, now: number): number {
  if (times.length < limits.max) return 0;
  return Math.max(0, Math.ceil((times[times.length - limits.max] + limits.windowMs - now) / 1000));
}

/** One process's failures (the standalone console and tests); bounded in keys. */
export class LoginRateLimiter implements LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {}

  retryAfter(ip: string, username: string, now: number): number {
    let wait = 0;
    for (const key of limitKeys(ip, username)) wait = Math.max(wait, waitSeconds(this.recent(key, now), this.limits, now));
    return wait;
  }

  fail(ip: string, username: string, now: number): void {
    for (const key of limitKeys(ip, username)) {
      const times = this.recent(key, now);
      times.push(now);
      this.failures.delete(key);
      this.failures.set(key, times.slice(-this.limits.max));
    }
    while (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value as string);
  }

  succeed(ip: string, username: string): void {
    // Only the account's key: the address keeps its failures, so a success on one account must not reset guessing on others.
    this.failures.delete(limitKeys(ip, username)[1]);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.limits.windowMs);
  }
}
