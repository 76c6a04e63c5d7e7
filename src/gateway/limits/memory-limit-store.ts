import {
  msUntil,
  refilled,
  type LimitCheck,
  type LimitStore,
  type SettleRequest,
  type TakeRequest,
  type TakeVerdict,
} from './limit-store.js';

interface Bucket {
  level: number;
  at: number;
  capacity: number;
}

const SWEEP_EVERY = 4096;

/** Limits for one process: plain maps, answered synchronously (this is the request's hot path). */
export class MemoryLimitStore implements LimitStore {
  private readonly buckets = new Map<string, Bucket>();
  /** Concurrency key → lease id → expiry. */
  private readonly leases = new Map<string, Map<string, number>>();
  private readonly budgets = new Map<string, { value: number; until: number }>();
  private takes = 0;

  take({ checks, leaseId, leaseUntil, now }: TakeRequest): TakeVerdict {
    if (++this.takes % SWEEP_EVERY === 0) this.sweep(now);
    const remaining: number[] = new Array<number>(checks.length).fill(0);
    const unseeded: number[] = [];
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i] as LimitCheck;
      switch (check.kind) {
        case 'requests':
        case 'tokens': {
          const level = this.level(check.key, check.limit, now);
          // A request needs a whole token; a tokens bucket admits while it is above zero.
          if (check.kind === 'requests' ? level < 1 : level <= 0) {
            const needed = check.kind === 'requests' ? 1 : 0;
            return { ok: false, failed: i, retryAfterMs: Math.max(1, msUntil(level, needed, check.limit)) };
          }
          remaining[i] = check.kind === 'requests' ? level - 1 : level;
          break;
        }
        case 'concurrency': {
          // Expired leases (a request that never settled) are looked for only when they would
          // make the difference: scanning every live lease on every take costs O(concurrency).
          let held = this.leases.get(check.key)?.size ?? 0;
          if (held >= check.limit) held = this.liveLeases(check.key, now);
          if (held >= check.limit) return { ok: false, failed: i, retryAfterMs: 1000 };
          remaining[i] = check.limit - held - 1;
          break;
        }
        case 'budget': {
          const spent = this.budgets.get(check.key);
          if (spent === undefined) unseeded.push(i);
          else if (spent.value >= check.limit)
            return { ok: false, failed: i, retryAfterMs: check.resetAt - now };
          else remaining[i] = check.limit - spent.value;
        }
      }
    }
    if (unseeded.length > 0) return { ok: false, unseeded };
    for (const check of checks) {
      if (check.kind === 'requests') {
        const bucket = this.buckets.get(check.key) as Bucket;
        bucket.level -= 1;
      } else if (check.kind === 'concurrency') {
        let held = this.leases.get(check.key);
        if (!held) this.leases.set(check.key, (held = new Map()));
        held.set(leaseId, leaseUntil);
      }
    }
    return { ok: true, remaining };
  }

  settle({ checks, leaseId, tokens, usd, now }: SettleRequest): void {
    for (const check of checks) {
      if (check.kind === 'concurrency') {
        const held = this.leases.get(check.key);
        held?.delete(leaseId);
        if (held?.size === 0) this.leases.delete(check.key);
      } else if (check.kind === 'tokens' && tokens > 0) {
        this.level(check.key, check.limit, now);
        (this.buckets.get(check.key) as Bucket).level -= tokens;
      } else if (check.kind === 'budget') {
        const spent = this.budgets.get(check.key);
        if (spent) spent.value += check.unit === 'usd' ? usd : tokens;
      }
    }
  }

  seed(check: LimitCheck & { kind: 'budget' }, value: number): void {
    if (!this.budgets.has(check.key)) this.budgets.set(check.key, { value, until: check.resetAt });
  }

  /** Refills the bucket in place and returns its level. */
  private level(key: string, capacity: number, now: number): number {
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { level: capacity, at: now, capacity }));
    bucket.level = refilled(bucket.level, bucket.at, now, capacity);
    bucket.at = now;
    bucket.capacity = capacity;
    return bucket.level;
  }

  private liveLeases(key: string, now: number): number {
    const held = this.leases.get(key);
    if (!held) return 0;
    for (const [id, until] of held) if (until <= now) held.delete(id);
    return held.size;
  }

  /** Drops full buckets and past periods, so idle keys and IPs do not accumulate. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      // A full bucket is the same as no bucket.
      if (refilled(bucket.level, bucket.at, now, bucket.capacity) >= bucket.capacity)
        this.buckets.delete(key);
    }
    for (const [key, spent] of this.budgets) if (spent.until <= now) this.budgets.delete(key);
    for (const key of [...this.leases.keys()]) if (this.liveLeases(key, now) === 0) this.leases.delete(key);
  }
}
