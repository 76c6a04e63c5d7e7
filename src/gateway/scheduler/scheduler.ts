import {
  ApiError,
  InvalidRequestError,
  NotFoundError,
  RateLimitError,
  SwitchyardError,
} from '../../errors.js';
import { QueueFullError, type AdmissionQueue } from '../../queue/admission-queue.js';
import type { AccountPool } from './account-pool.js';
import { openLease, type Lease } from './lease.js';
import type { PoolAccount } from './pool-account.js';
import type { StickyMap } from './sticky-map.js';
import type { SharedAccountState } from './shared-account-state.js';
import { SharedClaims } from './shared-claims.js';
import type { UpstreamRequestShape } from '../../upstreams/types.js';
import type { CancelSignal } from '../../cancel-signal.js';

export interface AcquireRequest {
  model: string;
  conversationKey: string | undefined;
  /** Accounts already tried for this request. */
  exclude: ReadonlySet<string>;
  /** Absolute time (ms since epoch) after which the client no longer waits. */
  deadline: number;
  signal: CancelSignal;
  /** The request itself, for accounts that cannot serve every request (Upstream.unsupported). */
  call?: UpstreamRequestShape;
}

export type { Lease } from './lease.js';

export interface SchedulerOptions {
  maxQueueWaitMs: number;
  now?: () => number;
  /**
   * Distributed gateways: leases, cooldowns, sticky bindings and the wait queue shared by every
   * gateway. Absent (embedded mode): decided here from the pool alone, synchronously.
   */
  shared?: SharedAccountState;
  /** Told how long a request that had to wait waited (ms), and whether it got an account. */
  onQueueWait?: (waitedMs: number, leased: boolean) => void;
}

/**
 * Picks the account for each attempt: healthy, serving the model, with a free slot; the sticky
 * account of the conversation first, then the lowest priority number, then the least loaded for
 * its weight, then the least recently used. Waits in the admission queue when all are busy.
 */
export class Scheduler {
  private readonly now: () => number;
  private readonly shared: SharedClaims | undefined;

  constructor(
    private readonly pool: AccountPool,
    private readonly queue: AdmissionQueue,
    private readonly sticky: StickyMap,
    private readonly options: SchedulerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.shared = options.shared && new SharedClaims(options.shared, pool, queue, sticky.ttlMs, this.now);
  }

  /**
   * A lease, or undefined when every suitable account was already tried. Synchronous when an
   * account can take the request at once (embedded mode's usual case): an async step per request
   * costs a promise and a turn of the microtask queue.
   */
  acquire(request: AcquireRequest): Lease | undefined | Promise<Lease | undefined> {
    if (this.shared) return this.acquireShared(request, this.shared);
    return this.leaseNow(request) ?? this.schedule(request, undefined);
  }

  /**
   * What schedule() decides when nothing needs waiting for: the conversation's account if it is
   * healthy with a free slot, else the best healthy one with a free slot. Undefined for anything
   * else (no such account, or accounts that may refuse some requests), which schedule() handles.
   */
  private leaseNow(request: AcquireRequest): Lease | undefined {
    const now = this.now();
    const { conversationKey, exclude } = request;
    const boundId = conversationKey === undefined ? undefined : this.sticky.get(conversationKey, now);
    let best: PoolAccount | undefined;
    for (const account of this.pool.accounts()) {
      if (!account.serves(request.model)) continue;
      if (account.upstream.unsupported) return undefined;
      if (exclude.has(account.id) || !mayRecover(account) || !this.pool.isHealthy(account, now)) continue;
      if (!account.hasCapacity()) continue;
      if (account.id === boundId) return this.lease(account, true, conversationKey, now);
      if (best === undefined || compare(account, best) < 0) best = account;
    }
    return best && this.lease(best, false, conversationKey, now);
  }

  private async acquireShared(request: AcquireRequest, shared: SharedClaims): Promise<Lease | undefined> {
    const waiterId = shared.waiterId();
    try {
      return await this.schedule(request, { shared, waiterId });
    } catch (error) {
      // A successful claim left the wait queue itself; a failed wait must not linger in it.
      shared.leave(waiterId);
      throw error;
    }
  }

  private async schedule(
    request: AcquireRequest,
    claims: { shared: SharedClaims; waiterId: string } | undefined,
  ): Promise<Lease | undefined> {
    const waitUntil = Math.min(request.deadline, this.now() + this.options.maxQueueWaitMs);
    // When this request first had to wait (0: it has not), for the queue-wait histogram.
    let waitedSince = 0;
    let lease: Lease | undefined;
    try {
      for (;;) {
        const now = this.now();
        const serving = this.able(
          this.pool.accounts().filter((a) => a.serves(request.model)),
          request.call,
        );
        // Disabled and re-auth accounts are no candidates: after a failed attempt the client must
        // hear about that attempt (429, 529, 502…), not that some other account is switched off.
        const candidates = serving.filter((a) => !request.exclude.has(a.id) && mayRecover(a));
        if (candidates.length === 0) {
          if (request.exclude.size > 0) return undefined;
          if (serving.length === 0)
            throw new NotFoundError(`model: no account serves the model '${request.model}'.`);
          throw unusable(serving);
        }
        const healthy = candidates.filter((a) => this.pool.isHealthy(a, now));
        if (healthy.length === 0) {
          waitedSince ||= now;
          await this.waitForCooldown(candidates, now, waitUntil, request.signal);
          continue;
        }
        if (claims) {
          const { shared, waiterId } = claims;
          const claimed = await shared.claim(healthy, request.conversationKey, waiterId, waitUntil - now);
          if (claimed === 'cooling') continue;
          if (claimed !== 'busy') return (lease = claimed);
          // A release anywhere after `now` wakes this wait at once, even one heard before it began.
          waitedSince ||= now;
          await this.waitForCapacity(waitUntil - now, request.signal, now);
          continue;
        }
        const chosen = this.pick(healthy, request.conversationKey, now);
        if (chosen)
          return (lease = this.lease(chosen.account, chosen.stickyHit, request.conversationKey, now));
        waitedSince ||= now;
        await this.waitForCapacity(waitUntil - now, request.signal);
      }
    } finally {
      if (waitedSince !== 0) this.options.onQueueWait?.(this.now() - waitedSince, lease !== undefined);
    }
  }

  /**
   * Whether an account of the model could take the request now: not tried yet, not cooling down,
   * usable, able to serve it. Capacity aside: a busy model is waited for, not fallen back from.
   */
  ready(model: string, exclude: ReadonlySet<string>, call?: UpstreamRequestShape): boolean {
    const now = this.now();
    return this.pool
      .accounts()
      .some(
        (a) =>
          a.serves(model) &&
          !exclude.has(a.id) &&
          this.pool.isHealthy(a, now) &&
          (call === undefined || a.upstream.unsupported?.(call) === undefined),
      );
  }

  /**
   * The accounts that can serve this request at all. When none can, the client hears why: it is
   * the request (client tools on CLI-only accounts, say), not the accounts, that must change.
   */
  private able(serving: PoolAccount[], call: UpstreamRequestShape | undefined): PoolAccount[] {
    if (call === undefined || !serving.some((a) => a.upstream.unsupported)) return serving;
    let reason: string | undefined;
    let usableAndAble = false;
    const able = serving.filter((a) => {
      const why = a.upstream.unsupported?.(call);
      if (why === undefined) usableAndAble ||= mayRecover(a);
      else if (mayRecover(a)) reason ??= why;
      return why === undefined;
    });
    if (reason !== undefined && !usableAndAble) throw new InvalidRequestError(reason);
    return able;
  }

  private pick(healthy: PoolAccount[], conversationKey: string | undefined, now: number) {
    if (conversationKey !== undefined) {
      const boundId = this.sticky.get(conversationKey, now);
      const bound = boundId === undefined ? undefined : healthy.find((a) => a.id === boundId);
      if (bound?.hasCapacity()) return { account: bound, stickyHit: true };
    }
    let best: PoolAccount | undefined;
    for (const account of healthy) {
      if (!account.hasCapacity()) continue;
      if (best === undefined || compare(account, best) < 0) best = account;
    }
    return best && { account: best, stickyHit: false };
  }

  private lease(
    account: PoolAccount,
    stickyHit: boolean,
    conversationKey: string | undefined,
    now: number,
  ): Lease {
    if (conversationKey !== undefined) this.sticky.set(conversationKey, account.id, now);
    return openLease(account, stickyHit, this.pool, this.now, now, this.wakeWaiters);
  }

  private readonly wakeWaiters = () => this.queue.wakeAll();

  private async waitForCooldown(
    candidates: PoolAccount[],
    now: number,
    waitUntil: number,
    signal: CancelSignal,
  ) {
    // Candidates that are not healthy are all cooling down (see mayRecover).
    const soonest = Math.min(...candidates.map((a) => a.cooldownUntil));
    if (soonest > waitUntil) {
      throw new RateLimitError(
        'Every upstream account for this model is cooling down after rate limits or errors.',
        Math.max(1, Math.ceil((soonest - now) / 1000)),
      );
    }
    await this.queuedWait(Math.max(1, soonest - now), signal);
  }

  private async waitForCapacity(remainingMs: number, signal: CancelSignal, since?: number) {
    if (remainingMs <= 0 || (await this.queuedWait(remainingMs, signal, since)) === 'timeout') {
      throw new RateLimitError('Every upstream account is at capacity and the wait queue timed out.', 2);
    }
  }

  private async queuedWait(timeoutMs: number, signal: CancelSignal, since?: number) {
    try {
      return await this.queue.wait(
        since === undefined ? { timeoutMs, signal } : { timeoutMs, signal, since },
      );
    } catch (error) {
      if (error instanceof QueueFullError) {
        throw new RateLimitError(`Every upstream account is at capacity and ${error.message}`, 2);
      }
      throw error instanceof Error ? error : new ApiError(undefined, error);
    }
  }
}

/** Active, or cooling down and so back by itself; disabled and re-auth accounts need an operator. */
function mayRecover(account: PoolAccount): boolean {
  return account.state === 'active' || account.state === 'cooling_down';
}

function unusable(serving: PoolAccount[]): SwitchyardError {
  const reauth = serving.filter((a) => a.state === 'needs_reauth').length;
  return new SwitchyardError(
    'api_error',
    `No upstream account is usable for this model (${reauth} need re-authentication, ` +
      `${serving.length - reauth} disabled). An operator must fix or add an account.`,
    { status: 503 },
  );
}

function compare(a: PoolAccount, b: PoolAccount): number {
  if (a.record.priority !== b.record.priority) return a.record.priority - b.record.priority;
  const loadA = a.inFlight / Math.max(a.record.weight, 1);
  const loadB = b.inFlight / Math.max(b.record.weight, 1);
  if (loadA !== loadB) return loadA - loadB;
  return a.lastUsedAt - b.lastUsedAt;
}
