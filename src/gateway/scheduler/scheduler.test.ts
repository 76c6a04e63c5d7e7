import { describe, expect, it } from 'vitest';
import {
  MemoryAccountRepository,
  accountRecord,
  poolOver,
} from '../../../test/support/scheduler-fixtures.js';
import { NotFoundError, RateLimitError, SwitchyardError } from '../../errors.js';
import { InProcessAdmissionQueue } from '../../queue/in-process-admission-queue.js';
import type { AccountRecord } from '../../store/types.js';
import { Scheduler, type AcquireRequest } from './scheduler.js';
import { StickyMap } from './sticky-map.js';

const MODEL = 'claude-sonnet-4-6';

async function setup(records: Partial<AccountRecord>[], maxQueueWaitMs = 1_000) {
  const made = records.map((r) => accountRecord(r));
  const pool = await poolOver(new MemoryAccountRepository(made));
  const queue = new InProcessAdmissionQueue(16);
  const scheduler = new Scheduler(pool, queue, new StickyMap(60_000), { maxQueueWaitMs });
  const byName = (name: string) => pool.accounts().find((a) => a.name === name)!;
  return { pool, queue, scheduler, byName };
}

function request(overrides: Partial<AcquireRequest> = {}): AcquireRequest {
  return {
    model: MODEL,
    conversationKey: undefined,
    exclude: new Set(),
    deadline: Date.now() + 60_000,
    signal: new AbortController().signal,
    ...overrides,
  };
}

const throttle = (cooldownMs: number) =>
  ({ kind: 'rate_limited', cooldownMs, quotaExhausted: false, reason: 'throttled' }) as const;

describe('Scheduler', () => {
  it('prefers the lowest priority number, then the least loaded, then the least recently used', async () => {
    const { scheduler } = await setup([
      { name: 'backup', priority: 5 },
      { name: 'x', priority: 1 },
      { name: 'y', priority: 1 },
    ]);
    const first = await scheduler.acquire(request());
    const second = await scheduler.acquire(request());
    expect([first?.account.name, second?.account.name].sort()).toEqual(['x', 'y']);
    first?.release({ kind: 'success' });
    second?.release({ kind: 'success' });
    // Both idle now: the one used longest ago goes next.
    const third = await scheduler.acquire(request());
    expect(third?.account.name).toBe(first?.account.name);
    third?.release({ kind: 'success' });
  });

  it('leases at once (no promise) while an account has a free slot, and waits in the queue when none has', async () => {
    const { scheduler, byName } = await setup([{ name: 'x', maxConcurrency: 1 }]);
    const first = scheduler.acquire(request());
    expect(first).not.toBeInstanceOf(Promise);
    expect((first as { account: { name: string } }).account.name).toBe('x');
    const second = scheduler.acquire(request());
    expect(second).toBeInstanceOf(Promise);
    (first as { release: (o: { kind: 'success' }) => void }).release({ kind: 'success' });
    expect((await second)?.account.id).toBe(byName('x').id);
  });

  it('keeps a conversation on its account while that account is healthy', async () => {
    const { scheduler, byName, pool } = await setup([{ name: 'x' }, { name: 'y' }]);
    const first = await scheduler.acquire(request({ conversationKey: 'c1' }));
    first?.release({ kind: 'success' });
    const home = first!.account.name;
    for (let i = 0; i < 3; i++) {
      const lease = await scheduler.acquire(request({ conversationKey: 'c1' }));
      expect(lease?.account.name).toBe(home);
      expect(lease?.stickyHit).toBe(true);
      lease?.release({ kind: 'success' });
    }
    pool.apply(byName(home), throttle(60_000), Date.now());
    const moved = await scheduler.acquire(request({ conversationKey: 'c1' }));
    expect(moved?.account.name).not.toBe(home);
    expect(moved?.stickyHit).toBe(false);
    moved?.release({ kind: 'success' });
  });

  it('counts a lease once however often it is released', async () => {
    const { scheduler, byName } = await setup([{ name: 'x' }]);
    const lease = await scheduler.acquire(request());
    expect(byName('x').inFlight).toBe(1);
    lease?.release({ kind: 'success' });
    lease?.release({ kind: 'success' });
    expect(byName('x').inFlight).toBe(0);
  });

  it('resolves to nothing when the untried accounts are disabled or need re-auth', async () => {
    const { scheduler, byName } = await setup([
      { name: 'tried' },
      { name: 'off', state: 'disabled' },
      { name: 'broken', state: 'needs_reauth' },
    ]);
    const lease = await scheduler.acquire(request({ exclude: new Set([byName('tried').id]) }));
    expect(lease).toBeUndefined();
  });

  it('answers 503 when no account can recover by itself, and 404 when none serves the model', async () => {
    const { scheduler } = await setup([
      { name: 'off', state: 'disabled' },
      { name: 'broken', state: 'needs_reauth', models: [MODEL] },
    ]);
    const error = await Promise.resolve(scheduler.acquire(request())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SwitchyardError);
    expect((error as SwitchyardError).status).toBe(503);
    expect((error as SwitchyardError).message).toContain('1 need re-authentication, 1 disabled');

    const other = await setup([{ name: 'x', models: ['claude-haiku-4-5'] }]);
    await expect(other.scheduler.acquire(request())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers 429 with the time to the soonest cooldown end when it is beyond the wait', async () => {
    const { scheduler, pool, byName } = await setup([{ name: 'x' }, { name: 'y' }], 100);
    pool.apply(byName('x'), throttle(30_000), Date.now());
    pool.apply(byName('y'), throttle(9_000), Date.now());
    const error = await Promise.resolve(scheduler.acquire(request())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterSeconds).toBe(9);
  });

  it('waits for a cooldown that ends within the wait', async () => {
    const { scheduler, pool, byName } = await setup([{ name: 'x' }], 2_000);
    pool.apply(byName('x'), throttle(50), Date.now());
    const lease = await scheduler.acquire(request());
    expect(lease?.account.name).toBe('x');
    expect(byName('x').state).toBe('active');
  });

  it('queues for a free slot, and gives up with 429 when the wait runs out', async () => {
    const { scheduler, queue } = await setup([{ name: 'x', maxConcurrency: 1 }], 100);
    const held = await scheduler.acquire(request());
    const waiting = scheduler.acquire(request());
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(queue.depth).toBe(1);
    held?.release({ kind: 'success' });
    const next = await waiting;
    expect(next?.account.name).toBe('x');
    const error = await Promise.resolve(scheduler.acquire(request())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(queue.depth).toBe(0);
  });
});
