import { describe, expect, it } from 'vitest';
import { accountRecord } from '../../../test/support/scheduler-fixtures.js';
import type { AccountRecord } from '../../store/types.js';
import type { Upstream } from '../../upstreams/types.js';
import type { Outcome } from './outcome.js';
import { PoolAccount } from './pool-account.js';
import { Catalogue } from '../catalogue/catalogue.js';

const NOW = 1_000_000;
const upstream = {} as Upstream;
const make = (overrides: Partial<AccountRecord> = {}) =>
  new PoolAccount(accountRecord(overrides), upstream, false);
const throttle = (cooldownMs: number): Outcome => ({
  kind: 'rate_limited',
  cooldownMs,
  quotaExhausted: false,
  reason: 'throttled',
});
const down: Outcome = { kind: 'unavailable', reason: 'upstream answered 529' };

describe('PoolAccount', () => {
  it('starts from the stored state, cooldown included', () => {
    const account = make({ state: 'cooling_down', stateReason: 'x', cooldownUntil: new Date(NOW + 5) });
    expect(account.state).toBe('cooling_down');
    expect(account.cooldownUntil).toBe(NOW + 5);
  });

  it('cools down on a rate limit and reports the change to save', () => {
    const account = make();
    expect(account.apply(throttle(2_000), NOW)).toEqual({
      state: 'cooling_down',
      stateReason: 'throttled',
      cooldownUntil: new Date(NOW + 2_000),
    });
    expect(account.cooldownUntil).toBe(NOW + 2_000);
  });

  it('never shortens a cooldown in force, but lengthens it', () => {
    const account = make();
    account.apply(throttle(60_000), NOW);
    expect(account.apply(throttle(1_000), NOW)).toBeUndefined();
    expect(account.cooldownUntil).toBe(NOW + 60_000);
    expect(account.apply(throttle(120_000), NOW)).toBeDefined();
    expect(account.cooldownUntil).toBe(NOW + 120_000);
  });

  it('backs off exponentially on repeated failures, up to a minute, and resets on success', () => {
    const account = make();
    const lengths: number[] = [];
    for (let i = 0; i < 7; i++) {
      account.apply(down, NOW + i);
      lengths.push(account.cooldownUntil - (NOW + i));
    }
    expect(lengths).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    account.apply({ kind: 'success' }, NOW);
    expect(account.consecutiveFailures).toBe(0);
  });

  it('marks rejected credentials for re-auth, and no later cooldown ends that by itself', () => {
    const account = make();
    expect(account.apply({ kind: 'auth_failed', reason: 'upstream answered 401' }, NOW)).toEqual({
      state: 'needs_reauth',
      stateReason: 'upstream answered 401',
      cooldownUntil: null,
    });
    // Answers to requests sent before the 401 arrive later.
    expect(account.apply(throttle(1_000), NOW)).toBeUndefined();
    expect(account.apply(down, NOW)).toBeUndefined();
    expect(account.state).toBe('needs_reauth');
    expect(account.refresh(NOW + 10_000)).toBeUndefined();
    expect(account.state).toBe('needs_reauth');
  });

  it('leaves a disabled account alone whatever happens', () => {
    const account = make({ state: 'disabled' });
    expect(account.apply(throttle(1_000), NOW)).toBeUndefined();
    expect(account.apply({ kind: 'auth_failed', reason: '' }, NOW)).toBeUndefined();
    expect(account.state).toBe('disabled');
  });

  it('learns nothing from client errors and cancellations', () => {
    const account = make();
    account.apply(down, NOW);
    const failures = account.consecutiveFailures;
    expect(account.apply({ kind: 'client_error' }, NOW)).toBeUndefined();
    expect(account.apply({ kind: 'cancelled' }, NOW)).toBeUndefined();
    expect(account.consecutiveFailures).toBe(failures);
  });

  it('ends a cooldown once its time has come, and only then', () => {
    const account = make();
    account.apply(throttle(1_000), NOW);
    expect(account.refresh(NOW + 999)).toBeUndefined();
    expect(account.refresh(NOW + 1_000)).toEqual({ state: 'active', stateReason: null, cooldownUntil: null });
    expect(account.state).toBe('active');
    expect(account.refresh(NOW + 2_000)).toBeUndefined();
  });

  it('counts capacity against maxConcurrency and serves its model list', () => {
    const account = make({ maxConcurrency: 2, models: ['claude-sonnet-4-6'] });
    expect(account.hasCapacity()).toBe(true);
    account.inFlight = 2;
    expect(account.hasCapacity()).toBe(false);
    expect(account.serves('claude-sonnet-4-6')).toBe(true);
    expect(account.serves('claude-opus-4-1')).toBe(false);
    expect(make().serves('anything')).toBe(true);
  });

  it('keeps live counters across a reconfiguration', () => {
    const account = make({ models: ['x'] });
    account.inFlight = 1;
    account.consecutiveFailures = 3;
    account.reconfigure(accountRecord({ id: account.id, models: null, priority: 1 }), upstream);
    expect(account.inFlight).toBe(1);
    expect(account.consecutiveFailures).toBe(3);
    expect(account.serves('y')).toBe(true);
    expect(account.record.priority).toBe(1);
  });

  it('matches model lists that name models by alias, following alias changes', () => {
    const catalogue = new Catalogue({ models: [], aliases: { fast: 'model-a' } });
    const account = new PoolAccount(
      accountRecord({ models: ['fast', 'model-c'] }),
      upstream,
      false,
      catalogue,
    );
    expect(account.serves('model-a')).toBe(true);
    expect(account.serves('model-c')).toBe(true);
    expect(account.serves('model-b')).toBe(false);
    catalogue.replace({ models: [], aliases: { fast: 'model-b' } });
    expect(account.serves('model-a')).toBe(false);
    expect(account.serves('model-b')).toBe(true);
    expect(make({ models: ['fast'] }).serves('model-a')).toBe(false);
  });
});
