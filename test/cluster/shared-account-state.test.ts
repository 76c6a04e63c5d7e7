/**
 * The scheduler's shared account state on real Redis, as two gateways see it: two
 * RedisAccountState instances, each on its own connection, over one fresh key prefix per test.
 */
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisAccountState } from '../../src/cluster/redis-account-state.js';
import type {
  ClaimCandidate,
  ClaimRequest,
  ClaimResult,
} from '../../src/gateway/scheduler/shared-account-state.js';
import {
  commandConnection,
  deleteKeys,
  freshPrefix,
  TEST_REDIS_URL,
  waitFor,
} from '../queue/redis-test-support.js';

const account = (id: string, maxConcurrency: number, priority = 10, weight = 1): ClaimCandidate => ({
  id,
  maxConcurrency,
  priority,
  weight,
});

let prefix: string;
let connections: Redis[] = [];
let states: RedisAccountState[] = [];
let sequence = 0;

async function gateway(leaseTtlMs?: number): Promise<RedisAccountState> {
  const connection = await commandConnection();
  connections.push(connection);
  const state = new RedisAccountState(connection, prefix, TEST_REDIS_URL, {
    ...(leaseTtlMs === undefined ? {} : { leaseTtlMs }),
  });
  states.push(state);
  return state;
}

function request(candidates: ClaimCandidate[], extra: Partial<ClaimRequest> = {}): ClaimRequest {
  sequence += 1;
  return {
    candidates,
    conversationKey: undefined,
    stickyTtlMs: 60_000,
    leaseId: `lease-${sequence}`,
    waiterId: `waiter-${sequence}`,
    waitMs: 0,
    maxDepth: 10,
    ...extra,
  };
}

const claimedId = (result: ClaimResult) => (result.kind === 'claimed' ? result.accountId : result.kind);

beforeEach(() => {
  prefix = freshPrefix();
});

afterEach(async () => {
  for (const state of states) state.close();
  const admin = connections[0];
  if (admin) await deleteKeys(admin, prefix);
  for (const connection of connections) connection.disconnect();
  connections = [];
  states = [];
});

describe('shared account state (Redis)', () => {
  it('never lets two gateways hold more than an account allows', async () => {
    const [a, b] = [await gateway(), await gateway()];
    const one = [account('x', 2)];
    const first = request(one);
    expect(claimedId(await a.claim(first))).toBe('x');
    expect(claimedId(await b.claim(request(one)))).toBe('x');
    expect((await a.claim(request(one))).kind).toBe('busy');
    expect((await b.claim(request(one))).kind).toBe('busy');
    await a.release('x', first.leaseId);
    expect(claimedId(await b.claim(request(one)))).toBe('x');
  });

  it('prefers the lower priority number, then the lower shared load per weight', async () => {
    const [a, b] = [await gateway(), await gateway()];
    const pool = [account('low', 5, 10, 1), account('high', 1, 1), account('heavy', 5, 10, 4)];
    expect(claimedId(await a.claim(request(pool)))).toBe('high');
    // 'high' is full: the tie on priority goes by load per weight, 0/1 vs 0/4, then by order.
    expect(claimedId(await b.claim(request(pool)))).toBe('low');
    expect(claimedId(await a.claim(request(pool)))).toBe('heavy'); // 1/1 vs 0/4
    expect(claimedId(await b.claim(request(pool)))).toBe('heavy'); // 1/1 vs 1/4
  });

  it('keeps a conversation on its account across gateways while it has room', async () => {
    const [a, b] = [await gateway(), await gateway()];
    const pool = [account('x', 1), account('y', 2)];
    const first = await a.claim(request(pool, { conversationKey: 'c1' }));
    expect(first).toEqual({ kind: 'claimed', accountId: 'x', stickyHit: false });
    // x is full: the conversation moves to y, and stays there (y has room, x is freed but unbound).
    const moved = request(pool, { conversationKey: 'c1' });
    expect(await b.claim(moved)).toEqual({ kind: 'claimed', accountId: 'y', stickyHit: false });
    await b.release('y', moved.leaseId);
    expect(await a.claim(request(pool, { conversationKey: 'c1' }))).toEqual({
      kind: 'claimed',
      accountId: 'y',
      stickyHit: true,
    });
  });

  it('shows a cooldown set on one gateway to the other at once, and never shortens it', async () => {
    const [a, b] = [await gateway(), await gateway()];
    const pool = [account('x', 5), account('y', 5)];
    const held = request(pool);
    expect(claimedId(await a.claim(held))).toBe('x');
    await a.release('x', held.leaseId, { untilMs: Date.now() + 30_000, reason: 'rate limited' });
    expect(claimedId(await b.claim(request(pool)))).toBe('y');
    const refused = await b.claim(request([account('x', 5)]));
    expect(refused.kind).toBe('busy');
    const cooling = refused.kind === 'busy' ? refused.cooling : [];
    expect(cooling).toHaveLength(1);
    expect(cooling[0]?.reason).toBe('rate limited');
    expect(cooling[0]?.remainingMs).toBeGreaterThan(25_000);
    // A shorter cooldown reported later leaves the longer one in force.
    const again = request([account('y', 5)]);
    await b.claim(again);
    await b.release('x', again.leaseId, { untilMs: Date.now() + 1_000, reason: 'short' });
    const still = await a.claim(request([account('x', 5)]));
    expect(still.kind === 'busy' && still.cooling[0]?.remainingMs).toBeGreaterThan(25_000);
  });

  it('reclaims the leases of a gateway that died without giving them back', async () => {
    const dying = await gateway(300);
    const survivor = await gateway();
    const one = [account('x', 1)];
    expect(claimedId(await dying.claim(request(one)))).toBe('x');
    dying.close(); // stops renewing, as a killed process would
    expect((await survivor.claim(request(one))).kind).toBe('busy');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(claimedId(await survivor.claim(request(one)))).toBe('x');
  });

  it('renews the leases of a live gateway beyond their time to live', async () => {
    const holder = await gateway(300);
    const other = await gateway();
    const one = [account('x', 1)];
    expect(claimedId(await holder.claim(request(one)))).toBe('x');
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await other.claim(request(one))).kind).toBe('busy');
  });

  it('loses no count under concurrent claims and releases from two gateways', async () => {
    const [a, b] = [await gateway(), await gateway()];
    const pool = [account('x', 3), account('y', 2)];
    const attempts = Array.from({ length: 40 }, (_, i) => ({ via: i % 2 ? a : b, req: request(pool) }));
    const results = await Promise.all(attempts.map(({ via, req }) => via.claim(req)));
    const byAccount = (id: string) => results.filter((r) => claimedId(r) === id).length;
    expect([byAccount('x'), byAccount('y')]).toEqual([3, 2]);
    await Promise.all(
      attempts.map(({ via, req }, i) => {
        const result = results[i];
        return result?.kind === 'claimed' ? via.release(result.accountId, req.leaseId) : undefined;
      }),
    );
    const admin = connections[0]!;
    expect(await admin.zcard(`${prefix}:acct:x:leases`)).toBe(0);
    expect(await admin.zcard(`${prefix}:acct:y:leases`)).toBe(0);
    const again = await Promise.all(attempts.map(({ via }) => via.claim(request(pool))));
    expect(again.filter((r) => r.kind === 'claimed')).toHaveLength(5);
  });

  it('counts waiting requests cluster-wide, bounds them, and forgets them once served or gone', async () => {
    const [a, b] = [await gateway(), await gateway()];
    const one = [account('x', 1)];
    const holder = request(one);
    await a.claim(holder);
    const first = request(one, { waitMs: 5_000, maxDepth: 2 });
    expect((await a.claim(first)).kind).toBe('busy');
    expect((await b.claim(first)).kind).toBe('busy'); // the same request again: still one waiter
    const second = request(one, { waitMs: 5_000, maxDepth: 2 });
    expect((await b.claim(second)).kind).toBe('busy');
    expect(await b.claim(request(one, { waitMs: 5_000, maxDepth: 2 }))).toMatchObject({
      kind: 'full',
      depth: 2,
    });
    b.depth(); // starts a read
    expect(await waitFor(() => (b.depth() === 2 ? true : undefined))).toBe(true);
    await a.release('x', holder.leaseId);
    expect(claimedId(await a.claim(first))).toBe('x'); // served: no longer waiting
    const admin = connections[0]!;
    expect(await admin.zcard(`${prefix}:wait`)).toBe(1);
    b.leave(second.waiterId);
    expect(await waitFor(async () => ((await admin.zcard(`${prefix}:wait`)) === 0 ? true : undefined))).toBe(
      true,
    );
  });

  it('wakes other gateways when a slot frees while requests wait, and only then', async () => {
    const [a, b] = [await gateway(), await gateway()];
    let woken = 0;
    await b.subscribe(() => (woken += 1));
    const one = [account('x', 1)];
    const quiet = request(one);
    await a.claim(quiet);
    await a.release('x', quiet.leaseId);
    const held = request(one);
    await a.claim(held);
    expect((await b.claim(request(one, { waitMs: 5_000 }))).kind).toBe('busy');
    await a.release('x', held.leaseId);
    await waitFor(() => (woken > 0 ? true : undefined), 2_000);
    expect(woken).toBe(1); // the release with nobody waiting published nothing
  });
});
