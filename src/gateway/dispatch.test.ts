import { describe, expect, it } from 'vitest';
import type { Metrics } from '../observability/metrics.js';
import { QueueUnavailableError } from '../queue/queue-unavailable-error.js';
import type { Upstream } from '../upstreams/types.js';
import type { CallSummary, MessagesCall } from './call.js';
import { dispatch } from './dispatch.js';
import type { Outcome } from './scheduler/outcome.js';
import type { PoolAccount } from './scheduler/pool-account.js';
import type { Scheduler } from './scheduler/scheduler.js';
import { Cancellation } from '../cancel-signal.js';

/** One account whose upstream fails with `error`; records how its lease was released. */
function oneAccount(error: Error) {
  const released: Outcome[] = [];
  const upstream = { send: async () => Promise.reject(error) } as unknown as Upstream;
  const account = { id: 'a1', name: 'queued', upstream } as unknown as PoolAccount;
  const scheduler = {
    ready: () => true,
    acquire: async () => ({
      account,
      stickyHit: false,
      release: (outcome: Outcome) => released.push(outcome),
    }),
  } as unknown as Scheduler;
  return { scheduler, released };
}

const call = {
  requestId: 'req_1',
  operation: 'count_tokens',
  body: Buffer.from('{}'),
  request: { model: 'claude-sonnet-4-6', messages: [] },
  principal: { apiKeyId: 'k', userId: 'u', access: {} },
  anthropicVersion: undefined,
  anthropicBeta: undefined,
  sessionId: undefined,
  startedAt: 0,
  deadline: Date.now() + 60_000,
} as unknown as MessagesCall;

const deps = (scheduler: Scheduler) => ({
  scheduler,
  metrics: { upstreamError: () => {}, failovers: { inc: () => {} } } as unknown as Metrics,
  options: {
    maxAttempts: 3,
    streamFirstByteTimeoutMs: 1_000,
    firstByteTimeoutMs: 1_000,
    idleTimeoutMs: 1_000,
  },
});

describe('dispatch', () => {
  it('answers 503 when the queue (Redis) is away, without cooling the account down', async () => {
    const { scheduler, released } = oneAccount(new QueueUnavailableError(new Error('Connection is closed.')));
    const failure = await dispatch(call, new Cancellation(), {} as CallSummary, deps(scheduler)).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(QueueUnavailableError);
    expect(failure).toMatchObject({ status: 503, retryAfterSeconds: 2 });
    expect(released).toEqual([{ kind: 'cancelled' }]);
  });

  it('still cools an account whose adapter failed for its own reasons', async () => {
    const { scheduler, released } = oneAccount(new Error('adapter bug'));
    await expect(dispatch(call, new Cancellation(), {} as CallSummary, deps(scheduler))).rejects.toThrow(
      'adapter bug',
    );
    expect(released).toEqual([{ kind: 'unavailable', reason: 'adapter failure' }]);
  });
});
