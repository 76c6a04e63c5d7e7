import type { AccountPool } from './account-pool.js';
import type { Outcome } from './outcome.js';
import type { PoolAccount } from './pool-account.js';

export interface Lease {
  account: PoolAccount;
  stickyHit: boolean;
  /** Releases the slot once and reports how the attempt went. */
  release(outcome: Outcome): void;
}

/**
 * A slot on the account, counted in flight until released once; the release applies the outcome
 * to the pool (health, cooldowns) and then lets the caller free whatever else it holds.
 */
export function openLease(
  account: PoolAccount,
  stickyHit: boolean,
  pool: AccountPool,
  now: () => number,
  at: number,
  afterRelease: (outcome: Outcome) => void,
): Lease {
  account.inFlight += 1;
  account.lastUsedAt = at;
  let released = false;
  return {
    account,
    stickyHit,
    release: (outcome) => {
      if (released) return;
      released = true;
      account.inFlight -= 1;
      pool.apply(account, outcome, now());
      afterRelease(outcome);
    },
  };
}
