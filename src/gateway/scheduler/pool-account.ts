import type { AccountRecord, AccountState } from '../../store/types.js';
import type { Upstream } from '../../upstreams/types.js';
import type { ModelNames } from '../catalogue/catalogue.js';
import type { Outcome } from './outcome.js';

const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 60_000;

export interface StateChange {
  state: AccountState;
  stateReason: string | null;
  cooldownUntil: Date | null;
}

/**
 * One account's live scheduling state: configuration from the store, plus in-flight count,
 * cooldown and failure streak held in memory. State changes are reported so they can be saved.
 */
export class PoolAccount {
  inFlight = 0;
  lastUsedAt = 0;
  consecutiveFailures = 0;
  state: AccountState;
  stateReason: string | null;
  cooldownUntil: number;
  private modelSet: Set<string> | null;
  /** The model list with aliases resolved, as of catalogue version `resolvedVersion`. */
  private resolvedSet: Set<string> | null = null;
  private resolvedVersion = -1;

  constructor(
    public record: AccountRecord,
    public upstream: Upstream,
    readonly simulated: boolean,
    private readonly names?: ModelNames,
  ) {
    this.state = record.state;
    this.stateReason = record.stateReason;
    this.cooldownUntil = record.cooldownUntil?.getTime() ?? 0;
    this.modelSet = record.models ? new Set(record.models) : null;
  }

  get id(): string {
    return this.record.id;
  }

  get name(): string {
    return this.record.name;
  }

  /** Takes new configuration, keeping in-flight counts and failure streaks. */
  reconfigure(record: AccountRecord, upstream: Upstream): void {
    this.record = record;
    this.upstream = upstream;
    this.modelSet = record.models ? new Set(record.models) : null;
    this.resolvedVersion = -1;
  }

  /** Adopts a state someone else saved (an admin, or another process). */
  adoptState(record: AccountRecord): void {
    this.state = record.state;
    this.stateReason = record.stateReason;
    this.cooldownUntil = record.cooldownUntil?.getTime() ?? 0;
  }

  /**
   * Adopts a cooldown another gateway set (distributed mode), so this gateway's own checks skip
   * the account too. Not a change to save: the gateway that set it saved it.
   */
  adoptCooldown(until: number, reason: string): void {
    if (this.state !== 'active' && this.state !== 'cooling_down') return;
    if (this.state === 'cooling_down' && this.cooldownUntil >= until) return;
    this.state = 'cooling_down';
    this.stateReason = reason;
    this.cooldownUntil = until;
  }

  /** `model` is a canonical id; the account's list may name models by alias. */
  serves(model: string): boolean {
    if (this.modelSet === null || this.modelSet.has(model)) return true;
    const names = this.names;
    if (names === undefined) return false;
    if (this.resolvedVersion !== names.version) {
      this.resolvedSet = new Set([...this.modelSet].map((name) => names.resolve(name)));
      this.resolvedVersion = names.version;
    }
    return this.resolvedSet?.has(model) === true;
  }

  /** Ends a cooldown whose time has passed. Returns the change to save, if any. */
  refresh(now: number): StateChange | undefined {
    if (this.state !== 'cooling_down' || this.cooldownUntil > now) return undefined;
    return this.setState('active', null, 0);
  }

  hasCapacity(): boolean {
    return this.inFlight < this.record.maxConcurrency;
  }

  /** Applies an attempt's outcome. Returns the state change to save, if any. */
  apply(outcome: Outcome, now: number): StateChange | undefined {
    switch (outcome.kind) {
      case 'success':
        this.consecutiveFailures = 0;
        return undefined;
      case 'client_error':
      case 'cancelled':
        return undefined;
      case 'rate_limited':
        this.consecutiveFailures += 1;
        return this.setState('cooling_down', outcome.reason, now + outcome.cooldownMs);
      case 'unavailable': {
        this.consecutiveFailures += 1;
        const backoff = Math.min(BACKOFF_BASE_MS * 2 ** (this.consecutiveFailures - 1), BACKOFF_MAX_MS);
        return this.setState('cooling_down', outcome.reason, now + backoff);
      }
      case 'auth_failed':
        return this.setState('needs_reauth', outcome.reason, 0);
    }
  }

  private setState(
    state: AccountState,
    reason: string | null,
    cooldownUntil: number,
  ): StateChange | undefined {
    if (this.state === 'disabled') return undefined;
    // A rejected credential stays rejected until an operator acts: a 429 or 5xx from a request
    // sent before the 401 must not turn it into a cooldown that ends by itself.
    if (this.state === 'needs_reauth' && state === 'cooling_down') return undefined;
    // A longer cooldown already in force is never shortened by a later, shorter one.
    if (state === 'cooling_down' && this.state === 'cooling_down' && this.cooldownUntil >= cooldownUntil)
      return undefined;
    this.state = state;
    this.stateReason = reason;
    this.cooldownUntil = cooldownUntil;
    return { state, stateReason: reason, cooldownUntil: cooldownUntil > 0 ? new Date(cooldownUntil) : null };
  }
}
