import type { PrincipalAccess } from '../call.js';
import type { KeyLimits } from '../../identity/key-limits.js';
import type { LimitCheck, LimitScope } from './limit-store.js';

interface CachedPlan {
  apiKeyId: string;
  userId: string;
  day: Period;
  month: Period;
  checks: readonly LimitCheck[];
}

/**
 * A key's and its owner's checks are the same for every request until the day or the month turns
 * (or the key's access is reloaded, which makes a new access object): built once, not per request.
 */
const plans = new WeakMap<PrincipalAccess, CachedPlan>();

/** The checks one request must pass: its key's limits, its owner's, and its client address's. */
export function planChecks(
  apiKeyId: string,
  userId: string,
  access: PrincipalAccess,
  ip: string | undefined,
  ipRequestsPerMinute: number,
  now: number,
): readonly LimitCheck[] {
  const day = periodOf('day', now);
  const month = periodOf('month', now);
  let plan = plans.get(access);
  if (
    plan === undefined ||
    plan.day !== day ||
    plan.month !== month ||
    plan.apiKeyId !== apiKeyId ||
    plan.userId !== userId
  ) {
    const checks: LimitCheck[] = [];
    addScope(checks, { type: 'key', id: apiKeyId }, access.keyLimits, now);
    addScope(checks, { type: 'user', id: userId }, access.userLimits, now);
    plan = { apiKeyId, userId, day, month, checks };
    plans.set(access, plan);
  }
  if (ipRequestsPerMinute > 0 && ip !== undefined) {
    const scope: LimitScope = { type: 'ip', id: ip };
    return [...plan.checks, { kind: 'requests', key: `ip:${ip}:rpm`, limit: ipRequestsPerMinute, scope }];
  }
  return plan.checks;
}

function addScope(checks: LimitCheck[], scope: LimitScope, limits: KeyLimits, now: number): void {
  const base = `${scope.type}:${scope.id}`;
  if (limits.requestsPerMinute !== undefined)
    checks.push({ kind: 'requests', key: `${base}:rpm`, limit: limits.requestsPerMinute, scope });
  if (limits.tokensPerMinute !== undefined)
    checks.push({ kind: 'tokens', key: `${base}:tpm`, limit: limits.tokensPerMinute, scope });
  if (limits.maxConcurrency !== undefined)
    checks.push({ kind: 'concurrency', key: `${base}:conc`, limit: limits.maxConcurrency, scope });
  const budgets = [
    ['usd', 'day', limits.usdPerDay],
    ['usd', 'month', limits.usdPerMonth],
    ['tokens', 'day', limits.tokensPerDay],
    ['tokens', 'month', limits.tokensPerMonth],
  ] as const;
  for (const [unit, period, limit] of budgets) {
    if (limit === undefined) continue;
    const { since, resetAt, label } = periodOf(period, now);
    checks.push({
      kind: 'budget',
      key: `${base}:${unit}:${label}`,
      limit,
      unit,
      period,
      since,
      resetAt,
      scope,
    });
  }
}

interface Period {
  since: number;
  resetAt: number;
  label: string;
}

/** The current day and month change rarely: computed once per period, not per request. */
const current: Record<'day' | 'month', Period | undefined> = { day: undefined, month: undefined };

/** Calendar periods in UTC: the day or month holding `now`. */
export function periodOf(period: 'day' | 'month', now: number): Period {
  const cached = current[period];
  if (cached !== undefined && now >= cached.since && now < cached.resetAt) return cached;
  const computed = computePeriod(period, now);
  current[period] = computed;
  return computed;
}

function computePeriod(period: 'day' | 'month', now: number): Period {
  const date = new Date(now);
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth();
  if (period === 'day') {
    const d = date.getUTCDate();
    return {
      since: Date.UTC(y, m, d),
      resetAt: Date.UTC(y, m, d + 1),
      label: `d${date.toISOString().slice(0, 10)}`,
    };
  }
  return {
    since: Date.UTC(y, m, 1),
    resetAt: Date.UTC(y, m + 1, 1),
    label: `m${date.toISOString().slice(0, 7)}`,
  };
}
