/**
 * Login throttling: failures are counted per account and per client IP in a fixed window; past
 * the limit, logins for that key are refused until the window ends. The counter sits behind
 * FailureCounter so a Redis-backed one (INCR + PEXPIRE) can replace the in-memory one.
 */

export interface FailureCount {
  count: number;
  /** Milliseconds until the window ends and the count starts over. */
  resetInMs: number;
}

export interface FailureCounter {
  /** Counts one failure; the first failure of a window starts it. */
  increment(key: string, windowMs: number): Promise<FailureCount>;
  peek(key: string): Promise<FailureCount>;
  reset(key: string): Promise<void>;
}

const MAX_KEYS = 100_000;

export class InMemoryFailureCounter implements FailureCounter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async increment(key: string, windowMs: number): Promise<FailureCount> {
    const now = this.now();
    let entry = this.windows.get(key);
    if (entry === undefined || entry.endsAt <= now) {
      if (this.windows.size >= MAX_KEYS) this.sweep(now);
      entry = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, entry);
    }
    entry.count += 1;
    return { count: entry.count, resetInMs: entry.endsAt - now };
  }

  async peek(key: string): Promise<FailureCount> {
    const now = this.now();
    const entry = this.windows.get(key);
    if (entry === undefined || entry.endsAt <= now) return { count: 0, resetInMs: 0 };
    return { count: entry.count, resetInMs: entry.endsAt - now };
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.windows) if (entry.endsAt <= now) this.windows.delete(key);
    // Still full (a flood of distinct keys): forget the oldest rather than grow without bound.
    if (this.windows.size >= MAX_KEYS) this.windows.clear();
  }
}

export interface LoginThrottleLimits {
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  windowMs: number;
}

export class LoginThrottle {
  constructor(
    private readonly counter: FailureCounter,
    private readonly limits: LoginThrottleLimits,
  ) {}

  /** Seconds the caller must wait before trying again, or 0 when a login may be attempted. */
  async blockedForSeconds(username: string, ip: string): Promise<number> {
    const [account, client] = await Promise.all([
      this.counter.peek(accountKey(username)),
      this.counter.peek(ipKey(ip)),
    ]);
    let waitMs = 0;
    if (account.count >= this.limits.maxFailuresPerAccount) waitMs = account.resetInMs;
    if (client.count >= this.limits.maxFailuresPerIp) waitMs = Math.max(waitMs, client.resetInMs);
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    await Promise.all([
      this.counter.increment(accountKey(username), this.limits.windowMs),
      this.counter.increment(ipKey(ip), this.limits.windowMs),
    ]);
  }

  /**
   * A successful login clears the account's count only: clearing the IP's would let one valid
   * account reset the limit for guessing at every other.
   */
  async recordSuccess(username: string): Promise<void> {
    await this.counter.reset(accountKey(username));
  }
}

const accountKey = (username: string) => `account:${username}`;
const ipKey = (ip: string) => `ip:${ip}`;
