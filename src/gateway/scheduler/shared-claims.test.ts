import { describe, expect, it } from 'vitest';
import {
  MemoryAccountRepository,
  accountRecord,
  poolOver,
} from '../../../test/support/scheduler-fixtures.js';
import { RateLimitError } from '../../errors.js';
import { InProcessAdmissionQueue } from '../../queue/in-process-admission-queue.js';
import type { AccountRecord } from '../../store/types.js';
import { Scheduler, type AcquireRequest } from './scheduler.js';
import type { ClaimRequest, ClaimResult, SharedAccountState } from './shared-account-state.js';
import { StickyMap } from './sticky-map.js';

/** A scripted shared state that records what the scheduler asked of it. */
class FakeSharedState implements SharedAccountState {
  claims: ClaimRequest[] = [];
  releases: Array<{ accountId: string; leaseId: string; cooldown?: { untilMs: number; reason: string } }> =
    [];
  left: string[] = [];
  constructor(private readonly answers: ClaimResult[]) {}

  claim(request: ClaimRequest): Promise<ClaimResult> {
    this.claims.push(request);
    const answer = this.answers.shift();
    return answer ? Promise.resolve(answer) : Promise.reject(new Error('no scripted answer'));
  }

  release(accountId: string, leaseId: string, cooldown?: { untilMs: number; reason: string }): Promise<void> {
    this.releases.push({ accountId, leaseId, ...(cooldown ? { cooldown } : {}) });
    return Promise.resolve();
  }

  leave(waiterId: string): void {
    this.left.push(waiterId);
  }
}

async function setup(records: Partial<AccountRecord>[], answers: ClaimResult[]) {
  const pool = await poolOver(new MemoryAccountRepository(records.map((r) => accountRecord(r))));
  const shared = new FakeSharedState(answers);
  const queue = new InProcessAdmissionQueue(16);
  const scheduler = new Scheduler(pool, queue, new StickyMap(60_000), { maxQueueWaitMs: 200, shared });
  const byName = (name: string) => pool.accounts().find((a) => a.name === name)!;
  return { shared, scheduler, byName };
}

const request = (overrides: Partial<AcquireRequest> = {}): AcquireRequest => ({
  model: 'claude-sonnet-4-6',
  conversationKey: 'c1',
  exclude: new Set(),
  deadline: Date.now() + 60_000,
  signal: new AbortController().signal,
  ...overrides,
});

describe('Scheduler with shared account state', () => {
  it('takes the account the shared state chose and shares the cooldown its 429 caused', async () => {
    const { shared, scheduler, byName } = await setup([{ name: 'x', priority: 1 }, { name: 'y' }], []);
    const y = byName('y');
    shared.claim = (req) => {
      shared.claims.push(req);
      return Promise.resolve({ kind: 'claimed', accountId: y.id, stickyHit: true });
    };
    const lease = await scheduler.acquire(request());
    expect([lease?.account.name, lease?.stickyHit, y.inFlight]).toEqual(['y', true, 1]);
    expect(shared.claims[0]?.candidates.map((c) => c.priority).sort()).toEqual([1, 10]);
    expect(shared.claims[0]?.conversationKey).toBe('c1');
    lease?.release({ kind: 'rate_limited', cooldownMs: 30_000, quotaExhausted: false, reason: 'throttled' });
    lease?.release({ kind: 'success' }); // a second release is ignored
    expect(y.inFlight).toBe(0);
    expect(shared.releases).toHaveLength(1);
    expect(shared.releases[0]?.cooldown?.reason).toBe('throttled');
    expect(shared.releases[0]?.cooldown?.untilMs).toBeGreaterThan(Date.now() + 25_000);
  });

  it('adopts cooldowns other gateways set and answers 429 when they outlast the wait', async () => {
    const { shared, scheduler, byName } = await setup([{ name: 'x' }], []);
    const x = byName('x');
    shared.claim = (req) => {
      shared.claims.push(req);
      return Promise.resolve({
        kind: 'busy',
        cooling: [{ id: x.id, remainingMs: 30_000, reason: 'elsewhere' }],
      });
    };
    const refused = await Promise.resolve(scheduler.acquire(request())).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitError);
    expect(x.state).toBe('cooling_down');
    expect(x.stateReason).toBe('elsewhere');
    expect(shared.claims).toHaveLength(1); // decided from the adopted state, no second claim
    expect(shared.left).toEqual([shared.claims[0]?.waiterId]);
  });

  it('waits while every account is busy, leaves the shared queue when the wait times out', async () => {
    const { shared, scheduler } = await setup([{ name: 'x' }], [{ kind: 'busy', cooling: [] }]);
    const refused = await Promise.resolve(scheduler.acquire(request())).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitError);
    expect((refused as RateLimitError).message).toContain('timed out');
    expect(shared.claims[0]?.waitMs).toBeGreaterThan(100);
    expect(shared.left).toEqual([shared.claims[0]?.waiterId]);
  });

  it('refuses at once when the cluster-wide queue is full', async () => {
    const { shared, scheduler } = await setup([{ name: 'x' }], [{ kind: 'full', cooling: [], depth: 16 }]);
    const refused = await Promise.resolve(scheduler.acquire(request())).catch((error: unknown) => error);
    expect((refused as RateLimitError).message).toContain('16 requests waiting');
    expect(shared.claims).toHaveLength(1);
  });
});
