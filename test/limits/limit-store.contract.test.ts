import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLimitStore } from '../../src/cluster/redis-limit-store.js';
import type { LimitCheck, LimitStore, TakeVerdict } from '../../src/gateway/limits/limit-store.js';
import { MemoryLimitStore } from '../../src/gateway/limits/memory-limit-store.js';
import { commandConnection, countKeys, deleteKeys, freshPrefix } from '../queue/redis-test-support.js';

const scope = { type: 'key', id: 'k' } as const;
/** Times are offsets from now: the Redis store sets real expiries from them. */
const T0 = Date.now();
let n = 0;
/** Fresh counter names per test, so the Redis store needs no cleanup between tests. */
function checks() {
  const id = `t${++n}`;
  return {
    rpm: (limit: number): LimitCheck => ({ kind: 'requests', key: `${id}:rpm`, limit, scope }),
    tpm: (limit: number): LimitCheck => ({ kind: 'tokens', key: `${id}:tpm`, limit, scope }),
    conc: (limit: number): LimitCheck => ({ kind: 'concurrency', key: `${id}:conc`, limit, scope }),
    budget: (limit: number, unit: 'usd' | 'tokens' = 'usd'): LimitCheck & { kind: 'budget' } => ({
      kind: 'budget',
      key: `${id}:${unit}:d`,
      limit,
      unit,
      period: 'day',
      since: T0,
      resetAt: T0 + 86_400_000,
      scope,
    }),
  };
}

const stores: Array<{ name: string; open: () => Promise<{ store: LimitStore; close(): Promise<void> }> }> = [
  { name: 'memory', open: async () => ({ store: new MemoryLimitStore(), close: async () => {} }) },
  {
    name: 'redis',
    open: async () => {
      const redis: Redis = await commandConnection();
      const prefix = freshPrefix();
      return {
        store: new RedisLimitStore(redis, prefix),
        close: async () => {
          await deleteKeys(redis, prefix);
          redis.disconnect();
        },
      };
    },
  },
];

describe.each(stores)('limit store contract: $name', ({ open }) => {
  let store: LimitStore;
  let close: () => Promise<void>;
  beforeAll(async () => ({ store, close } = await open()));
  afterAll(() => close?.());

  const take = async (list: LimitCheck[], at: number, leaseId = `l${at}`, leaseUntil = at + 60_000) =>
    (await store.take({ checks: list, leaseId, leaseUntil: T0 + leaseUntil, now: T0 + at })) as TakeVerdict;
  const settle = async (list: LimitCheck[], leaseId: string, tokens: number, usd: number, at: number) =>
    store.settle({ checks: list, leaseId, tokens, usd, now: T0 + at });

  it('lets a minute of requests through, then refills at the limit per minute', async () => {
    const { rpm } = checks();
    for (let i = 0; i < 3; i++) expect((await take([rpm(3)], 1000)).ok).toBe(true);
    expect(await take([rpm(3)], 1000)).toEqual({ ok: false, failed: 0, retryAfterMs: 20_000 });
    expect((await take([rpm(3)], 20_999)).ok).toBe(false);
    expect(await take([rpm(3)], 21_000)).toEqual({ ok: true, remaining: [0] });
  });

  it('charges nothing when a later check fails (all or nothing)', async () => {
    const { rpm, conc } = checks();
    expect((await take([rpm(2), conc(1)], 0, 'a')).ok).toBe(true);
    expect(await take([rpm(2), conc(1)], 0, 'b')).toMatchObject({ ok: false, failed: 1 });
    await settle([rpm(2), conc(1)], 'a', 0, 0, 0);
    // The refused request did not spend the minute's second request.
    expect(await take([rpm(2), conc(1)], 0, 'c')).toEqual({ ok: true, remaining: [0, 0] });
  });

  it('admits on tokens while positive and charges actual tokens at settle', async () => {
    const { tpm } = checks();
    expect((await take([tpm(1000)], 0)).ok).toBe(true);
    await settle([tpm(1000)], 'x', 1500, 0, 0);
    // 500 tokens of debt refill in 30 s.
    expect(await take([tpm(1000)], 0)).toMatchObject({ ok: false, failed: 0, retryAfterMs: 30_000 });
    expect(await take([tpm(1000)], 30_001)).toMatchObject({ ok: true });
  });

  it('holds concurrency leases until settled, and reclaims expired ones', async () => {
    const { conc } = checks();
    expect((await take([conc(1)], 0, 'a', 5_000)).ok).toBe(true);
    expect((await take([conc(1)], 1, 'b', 5_000)).ok).toBe(false);
    // The holder died without settling: its lease expires.
    expect((await take([conc(1)], 5_000, 'c', 9_000)).ok).toBe(true);
  });

  it('asks for budget counters to be seeded once, then spends them', async () => {
    const { rpm, budget } = checks();
    expect(await take([rpm(10), budget(1)], 0)).toEqual({ ok: false, unseeded: [1] });
    await store.seed(budget(1), 0.75);
    await store.seed(budget(1), 0); // a second seed (another gateway) does not reset the counter
    expect(await take([rpm(10), budget(1)], 0)).toEqual({ ok: true, remaining: [9, 0.25] });
    await settle([budget(1)], 'x', 10, 0.3, 0);
    expect(await take([rpm(10), budget(1)], 1000)).toEqual({
      ok: false,
      failed: 1,
      retryAfterMs: 86_399_000,
    });
  });

  it('counts token budgets in tokens', async () => {
    const { budget } = checks();
    await store.seed(budget(100, 'tokens'), 40);
    expect(await take([budget(100, 'tokens')], 0)).toEqual({ ok: true, remaining: [60] });
    await settle([budget(100, 'tokens')], 'x', 60, 5, 0);
    expect(await take([budget(100, 'tokens')], 0)).toMatchObject({ ok: false, failed: 0 });
  });

  it('admits exactly the limit under concurrent takes', async () => {
    const { rpm } = checks();
    const verdicts = await Promise.all(Array.from({ length: 25 }, (_, i) => take([rpm(10)], 0, `p${i}`)));
    expect(verdicts.filter((v) => v.ok)).toHaveLength(10);
  });
});

describe('redis limit store housekeeping', () => {
  it('leaves no key behind once buckets are full again and leases are given back', async () => {
    const redis = await commandConnection();
    const prefix = freshPrefix();
    try {
      const store = new RedisLimitStore(redis, prefix);
      const { rpm, conc } = checks();
      const now = Date.now();
      await store.take({ checks: [rpm(60_000), conc(2)], leaseId: 'a', leaseUntil: now + 1000, now });
      expect(await countKeys(redis, prefix)).toBe(2);
      await store.settle({ checks: [rpm(60_000), conc(2)], leaseId: 'a', tokens: 0, usd: 0, now });
      // One request of 60 000 per minute refills in 1 ms; the key expires ~1 s later.
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      expect(await countKeys(redis, prefix)).toBe(0);
    } finally {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    }
  });
});
