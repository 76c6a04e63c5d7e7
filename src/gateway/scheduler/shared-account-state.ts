/**
 * Account state that every gateway of a distributed installation shares (in Redis): in-flight
 * leases, cooldowns, the sticky conversation map and the wait queue. The Scheduler uses it only
 * in distributed mode; embedded mode decides from PoolAccount and StickyMap alone, synchronously.
 */

export interface ClaimCandidate {
  id: string;
  maxConcurrency: number;
  priority: number;
  weight: number;
}

export interface ClaimRequest {
  /** Locally healthy accounts; ties on priority and load go to the earlier one. */
  candidates: readonly ClaimCandidate[];
  conversationKey: string | undefined;
  /** How long the conversation's binding lasts after this use. */
  stickyTtlMs: number;
  /** Names the slot this attempt holds until release (or until the lease expires). */
  leaseId: string;
  /** Names the request in the shared wait queue while it waits. */
  waiterId: string;
  /** How long the request may still wait; refused claims of requests that may wait register it. */
  waitMs: number;
  /** The cluster-wide bound on waiting requests. */
  maxDepth: number;
}

/** A candidate another gateway (or this one) put in cooldown; `remainingMs` by the store's clock. */
export interface SharedCooldown {
  id: string;
  remainingMs: number;
  reason: string;
}

export type ClaimResult =
  | { kind: 'claimed'; accountId: string; stickyHit: boolean }
  /** Nothing free; the request now counts as waiting (when it may wait). */
  | { kind: 'busy'; cooling: SharedCooldown[] }
  /** Nothing free and the wait queue is full. */
  | { kind: 'full'; cooling: SharedCooldown[]; depth: number };

export interface SharedAccountState {
  /**
   * One atomic step: the sticky account when it has room, else the best candidate with room
   * (priority, then shared load per weight, then order), skipping accounts in a shared cooldown.
   * Takes a lease on it, refreshes the sticky binding and leaves the wait queue. Rejects with a
   * 503-type error when the store cannot be reached.
   */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /**
   * Gives the slot back and, with `cooldown`, puts the account in a cooldown every gateway sees
   * (never shortening a longer one). Wakes waiting gateways. Never rejects: a lease that cannot
   * be given back expires by itself.
   */
  release(accountId: string, leaseId: string, cooldown?: { untilMs: number; reason: string }): Promise<void>;
  /** The request stopped waiting without a claim (timeout, cancel, error). Never throws. */
  leave(waiterId: string): void;
}
