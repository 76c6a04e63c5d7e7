import { describe, expect, it } from 'vitest';
import {
  MemoryAccountRepository,
  accountRecord,
  poolOver,
} from '../../../test/support/scheduler-fixtures.js';
import { RateLimitError } from '../../errors.js';
import { InProcessAdmissionQueue } from '../../queue/in-process-admission-queue.js';
import { Scheduler, type AcquireRequest } from './scheduler.js';
import { StickyMap } from './sticky-map.js';

const request = (): AcquireRequest => ({
  model: 'claude-sonnet-4-6',
  conversationKey: undefined,
  exclude: new Set(),
  deadline: Date.now() + 60_000,
  signal: new AbortController().signal,
});

async function setup(maxQueueWaitMs: number) {
  const pool = await poolOver(
    new MemoryAccountRepository([accountRecord({ name: 'only', maxConcurrency: 1 })]),
  );
  const waits: Array<{ waitedMs: number; leased: boolean }> = [];
  const scheduler = new Scheduler(pool, new InProcessAdmissionQueue(16), new StickyMap(60_000), {
    maxQueueWaitMs,
    onQueueWait: (waitedMs, leased) => waits.push({ waitedMs, leased }),
  });
  return { scheduler, waits };
}

describe('queue wait reporting', () => {
  it('reports nothing for a request that found an account at once', async () => {
    const { scheduler, waits } = await setup(1_000);
    const lease = await scheduler.acquire(request());
    lease?.release({ kind: 'success' });
    expect(waits).toEqual([]);
  });

  it('reports how long a request waited for a slot, and that it got one', async () => {
    const { scheduler, waits } = await setup(5_000);
    const first = await scheduler.acquire(request());
    const second = scheduler.acquire(request());
    setTimeout(() => first?.release({ kind: 'success' }), 120);
    const lease = await second;
    expect(lease?.account.name).toBe('only');
    lease?.release({ kind: 'success' });
    expect(waits).toHaveLength(1);
    expect(waits[0]!.leased).toBe(true);
    expect(waits[0]!.waitedMs).toBeGreaterThanOrEqual(100);
    expect(waits[0]!.waitedMs).toBeLessThan(2_000);
  });

  it('reports a wait that timed out as not leased', async () => {
    const { scheduler, waits } = await setup(80);
    const first = await scheduler.acquire(request());
    await expect(scheduler.acquire(request())).rejects.toBeInstanceOf(RateLimitError);
    first?.release({ kind: 'success' });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ leased: false });
    expect(waits[0]!.waitedMs).toBeGreaterThanOrEqual(70);
  });
});
