// Failed logins per client address and per user name: after `max` failures within `windowMs` further
// attempts are refused until the window has passed, so a password cannot be guessed at network speed and
// one attacker cannot lock every account by rotating names only (the per-address limit stops them first).
export interface LoginLimits {
  max: number;
  windowMs: number;
}
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { max: 5, windowMs: 15 * 60_000 };
const MAX_KEYS = 50_000;

export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {}

  /** Seconds to wait before another attempt is accepted; 0 when allowed. */
  retryAfter(ip: string, username: string, now: number): number {
    let wait = 0;
    for (const key of this.keys(ip, username)) {
      const times = this.recent(key, now);
      if (times.length >= this.limits.max) wait = Math.max(wait, Math.ceil((times[0] + this.limits.windowMs - now) / 1000));
    }
    return wait;
  }

  fail(ip: string, username: string, now: number): void {
    for (const key of this.keys(ip, username)) {
      const times = this.recent(key, now);
      times.push(now);
      this.failures.delete(key);
      this.failures.set(key, times.slice(-this.limits.max));
    }
    while (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value as string);
  }

  succeed(ip: string, username: string): void {
    this.failures.delete(`u:${username.toLowerCase()}`);
    void ip; // the address keeps its failures: a success on one account must not reset guessing on others
  }

  private keys(ip: string, username: string): string[] {
    return [`ip:${ip}`, `u:${username.toLowerCase()}`];
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.limits.windowMs);
  }
}
