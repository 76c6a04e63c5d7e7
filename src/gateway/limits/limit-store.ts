/**
 * The counters behind per-key, per-user and per-IP limits. One contract, two stores: in memory
 * (embedded mode, one process) and in Redis (distributed mode, every gateway decides alike).
 * A store evaluates every check of a request atomically: either all pass and all are charged,
 * or none is charged and the first failing check is named.
 */

export type LimitScope = { type: 'key' | 'user' | 'ip'; id: string };

export type LimitCheck =
  /** A token bucket of `limit` requests refilled over a minute; a request takes one. */
  | { kind: 'requests'; key: string; limit: number; scope: LimitScope }
  /** A token bucket of `limit` tokens per minute; admits while positive, charged at settle. */
  | { kind: 'tokens'; key: string; limit: number; scope: LimitScope }
  /** Requests in flight at once; a request holds a lease until settle (or until it expires). */
  | { kind: 'concurrency'; key: string; limit: number; scope: LimitScope }
  /** Spend in a calendar period (UTC); admits while below the limit, charged at settle. */
  | {
      kind: 'budget';
      key: string;
      limit: number;
      unit: 'usd' | 'tokens';
      period: 'day' | 'month';
      /** ms since epoch: start and end of the period. */
      since: number;
      resetAt: number;
      scope: LimitScope;
    };

export interface TakeRequest {
  checks: readonly LimitCheck[];
  /** Identifies the concurrency leases this request holds. */
  leaseId: string;
  /** When the leases expire if the request is never settled (its process died). */
  leaseUntil: number;
  now: number;
}

export type TakeVerdict =
  /** `remaining[i]` is what check i has left after this request (requests and tokens checks). */
  | { ok: true; remaining: number[] }
  | { ok: false; failed: number; retryAfterMs: number }
  /** These budget checks have no counter yet: seed them from the ledger and ask again. */
  | { ok: false; unseeded: number[] };

export interface SettleRequest {
  checks: readonly LimitCheck[];
  leaseId: string;
  /** Tokens that count against token limits and token budgets. */
  tokens: number;
  usd: number;
  now: number;
}

export interface LimitStore {
  take(request: TakeRequest): TakeVerdict | Promise<TakeVerdict>;
  /** Gives back concurrency leases and charges tokens and spend. Never throws. */
  settle(request: SettleRequest): void | Promise<void>;
  /** Sets a budget counter unless another process already did; `value` is the ledger's sum. */
  seed(check: LimitCheck & { kind: 'budget' }, value: number): void | Promise<void>;
  close?(): Promise<void>;
}

export const MINUTE_MS = 60_000;

/** A bucket's level after refilling from `at` to `now` (full capacity per minute). */
export function refilled(level: number, at: number, now: number, capacity: number): number {
  return Math.min(capacity, level + (Math.max(0, now - at) * capacity) / MINUTE_MS);
}

/** How long until a bucket at `level` reaches `needed`. */
export function msUntil(level: number, needed: number, capacity: number): number {
  return level >= needed ? 0 : Math.ceil(((needed - level) * MINUTE_MS) / capacity);
}
