import type { Redis } from 'ioredis';
import type {
  LimitCheck,
  LimitStore,
  SettleRequest,
  TakeRequest,
  TakeVerdict,
} from '../gateway/limits/limit-store.js';
import { SETTLE, TAKE } from './redis-limit-scripts.js';

/** A budget counter outlives its period by a day, so a late settle still finds it. */
const BUDGET_GRACE_MS = 86_400_000;

function kindOf(check: LimitCheck): string {
  switch (check.kind) {
    case 'requests':
      return 'r';
    case 'tokens':
      return 't';
    case 'concurrency':
      return 'c';
    case 'budget':
      return check.unit === 'usd' ? 'bu' : 'bt';
  }
}

/**
 * Limits shared by every gateway: one script call (one round trip) admits a request against all
 * its checks, one more settles it. Concurrency leases carry an expiry, so a gateway that dies
 * holding some does not leak them. Times come from the gateways' clocks (NTP-close is enough for
 * minute buckets).
 */
export class RedisLimitStore implements LimitStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async take({ checks, leaseId, leaseUntil, now }: TakeRequest): Promise<TakeVerdict> {
    const reply = (await TAKE.run(this.redis, this.keys(checks), [
      now,
      leaseId,
      leaseUntil,
      ...this.args(checks),
    ])) as Array<number | string>;
    const [status, ...rest] = reply;
    if (status === 1) return { ok: true, remaining: rest.map(Number) };
    if (status === 2) return { ok: false, unseeded: rest.map(Number) };
    return { ok: false, failed: Number(rest[0]), retryAfterMs: Number(rest[1]) };
  }

  async settle({ checks, leaseId, tokens, usd, now }: SettleRequest): Promise<void> {
    await SETTLE.run(this.redis, this.keys(checks), [
      now,
      leaseId,
      Math.round(tokens),
      usd.toFixed(6),
      ...this.args(checks),
    ]);
  }

  async seed(check: LimitCheck & { kind: 'budget' }, value: number): Promise<void> {
    const counter = check.unit === 'usd' ? value.toFixed(6) : String(Math.round(value));
    await this.redis.set(this.key(check), counter, 'PXAT', check.resetAt + BUDGET_GRACE_MS, 'NX');
  }

  private key(check: LimitCheck): string {
    return `${this.prefix}:lim:${check.key}`;
  }

  private keys(checks: readonly LimitCheck[]): string[] {
    return checks.map((check) => this.key(check));
  }

  private args(checks: readonly LimitCheck[]): Array<string | number> {
    const args: Array<string | number> = [];
    for (const check of checks) {
      args.push(kindOf(check), check.limit, check.kind === 'budget' ? check.resetAt : 0);
    }
    return args;
  }
}
