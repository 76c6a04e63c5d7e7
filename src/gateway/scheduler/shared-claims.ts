import { randomBytes } from 'node:crypto';
import { RateLimitError } from '../../errors.js';
import { QueueFullError, type AdmissionQueue } from '../../queue/admission-queue.js';
import type { AccountPool } from './account-pool.js';
import type { Outcome } from './outcome.js';
import type { PoolAccount } from './pool-account.js';
import { openLease, type Lease } from './lease.js';
import type { SharedAccountState } from './shared-account-state.js';

/** What a claim came to when no lease was had. */
export type ClaimRefusal =
  /** Some candidates turned out to cool down elsewhere (now adopted here): decide again. */
  | 'cooling'
  /** Every candidate is at capacity cluster-wide; the request counts as waiting. */
  | 'busy';

/**
 * The Scheduler's distributed path: leases, cooldowns and sticky bindings are decided by the
 * shared state so every gateway decides alike. Local in-flight counts still move, for metrics.
 */
export class SharedClaims {
  private sequence = 0;
  /** Unique per process: lease and waiter ids must not collide across gateways. */
  private readonly idPrefix = `${process.pid}.${randomBytes(4).toString('hex')}.`;

  constructor(
    private readonly state: SharedAccountState,
    private readonly pool: AccountPool,
    private readonly queue: AdmissionQueue,
    private readonly stickyTtlMs: number,
    private readonly now: () => number,
  ) {}

  /** Names one request in the shared wait queue for all its claims. */
  waiterId(): string {
    return `w${this.idPrefix}${(this.sequence++).toString(36)}`;
  }

  async claim(
    healthy: readonly PoolAccount[],
    conversationKey: string | undefined,
    waiterId: string,
    waitMs: number,
  ): Promise<Lease | ClaimRefusal> {
    // Ties on priority and shared load go to the least recently used here, as in embedded mode.
    const ordered = healthy.length > 1 ? [...healthy].sort((a, b) => a.lastUsedAt - b.lastUsedAt) : healthy;
    const leaseId = `l${this.idPrefix}${(this.sequence++).toString(36)}`;
    const result = await this.state.claim({
      candidates: ordered.map((a) => ({
        id: a.id,
        maxConcurrency: a.record.maxConcurrency,
        priority: a.record.priority,
        weight: a.record.weight,
      })),
      conversationKey,
      stickyTtlMs: this.stickyTtlMs,
      leaseId,
      waiterId,
      waitMs,
      maxDepth: this.queue.maxDepth,
    });
    if (result.kind === 'claimed') {
      const account = healthy.find((a) => a.id === result.accountId);
      if (account) return this.lease(account, result.stickyHit, leaseId);
      // Cannot happen (the script picks among the candidates); never hold a slot nobody uses.
      void this.state.release(result.accountId, leaseId);
      return 'busy';
    }
    const now = this.now();
    for (const cooling of result.cooling) {
      healthy.find((a) => a.id === cooling.id)?.adoptCooldown(now + cooling.remainingMs, cooling.reason);
    }
    if (result.cooling.length > 0) return 'cooling';
    if (result.kind === 'full') {
      throw new RateLimitError(
        `Every upstream account is at capacity and ${new QueueFullError(result.depth).message}`,
        2,
      );
    }
    return 'busy';
  }

  /** The request stopped waiting without a lease. */
  leave(waiterId: string): void {
    this.state.leave(waiterId);
  }

  private lease(account: PoolAccount, stickyHit: boolean, leaseId: string): Lease {
    return openLease(account, stickyHit, this.pool, this.now, this.now(), (outcome) => {
      // Waiters here retry once the slot is free in Redis, not before (they would be refused).
      const wake = () => this.queue.wakeAll();
      this.state.release(account.id, leaseId, sharedCooldown(account, outcome)).then(wake, wake);
    });
  }
}

/** After a 429, 529 or 5xx the account's cooldown (as the pool applied it) is everyone's. */
function sharedCooldown(account: PoolAccount, outcome: Outcome) {
  if (outcome.kind !== 'rate_limited' && outcome.kind !== 'unavailable') return undefined;
  if (account.state !== 'cooling_down') return undefined;
  return { untilMs: account.cooldownUntil, reason: account.stateReason ?? outcome.reason };
}
