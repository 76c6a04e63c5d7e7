import { SwitchyardError } from '../../errors.js';
import type { LimitCheck, LimitScope } from './limit-store.js';
import { MINUTE_MS } from './limit-store.js';

const WHO: Record<LimitScope['type'], string> = {
  key: 'This API key',
  user: "This key's owner",
  ip: 'This client address',
};

/** The error naming exactly which limit was hit, with when to come back. */
export function limitError(check: LimitCheck, retryAfterMs: number, now: number): SwitchyardError {
  const who = WHO[check.scope.type];
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  switch (check.kind) {
    case 'requests':
      return new SwitchyardError(
        'rate_limit_error',
        `${who} is limited to ${check.limit} requests per minute; retry in ${retryAfterSeconds} s.`,
        { retryAfterSeconds, headers: resetHeaders('requests', check.limit, 0, now + retryAfterMs) },
      );
    case 'tokens':
      return new SwitchyardError(
        'rate_limit_error',
        `${who} is limited to ${check.limit} tokens per minute; retry in ${retryAfterSeconds} s.`,
        { retryAfterSeconds, headers: resetHeaders('tokens', check.limit, 0, now + retryAfterMs) },
      );
    case 'concurrency':
      return new SwitchyardError(
        'rate_limit_error',
        `${who} may have ${check.limit} request${check.limit === 1 ? '' : 's'} in flight at once; wait for one to finish.`,
        { retryAfterSeconds },
      );
    case 'budget': {
      const period = check.period === 'day' ? 'daily' : 'monthly';
      const amount = check.unit === 'usd' ? `$${check.limit.toFixed(2)}` : `${check.limit} tokens`;
      // 402, not 429: retrying within seconds cannot help, and the SDKs do not retry a 402.
      return new SwitchyardError(
        'billing_error',
        `${who} has spent its ${period} budget of ${amount}; it resets at ${new Date(check.resetAt).toISOString()}.`,
        { headers: { 'x-switchyard-budget-reset': new Date(check.resetAt).toISOString() } },
      );
    }
  }
}

const NAMES = {
  requests: [
    'anthropic-ratelimit-requests-limit',
    'anthropic-ratelimit-requests-remaining',
    'anthropic-ratelimit-requests-reset',
  ],
  tokens: [
    'anthropic-ratelimit-tokens-limit',
    'anthropic-ratelimit-tokens-remaining',
    'anthropic-ratelimit-tokens-reset',
  ],
} as const;

/** RFC 3339 of a whole second; the last few are remembered (they repeat for every request within it). */
const isoOfSecond = new Map<number, string>();
function isoSecond(ms: number): string {
  const second = Math.ceil(ms / 1000);
  let iso = isoOfSecond.get(second);
  if (iso === undefined) {
    if (isoOfSecond.size >= 256) isoOfSecond.clear();
    iso = new Date(second * 1000).toISOString();
    isoOfSecond.set(second, iso);
  }
  return iso;
}

function resetHeaders(
  kind: 'requests' | 'tokens',
  limit: number,
  remaining: number,
  resetAt: number,
  into: Record<string, string> = {},
) {
  const [limitName, remainingName, resetName] = NAMES[kind];
  into[limitName] = String(limit);
  into[remainingName] = String(Math.max(0, Math.floor(remaining)));
  into[resetName] = isoSecond(resetAt);
  return into;
}

/**
 * Anthropic's rate-limit headers for an admitted request: for requests and for tokens, the check
 * with the least left (key, owner or address), and when its bucket is full again.
 */
export function rateLimitHeaders(
  checks: readonly LimitCheck[],
  remaining: readonly number[],
  now: number,
): Record<string, string> | undefined {
  let headers: Record<string, string> | undefined;
  for (const kind of ['requests', 'tokens'] as const) {
    let tightest = -1;
    for (let i = 0; i < checks.length; i++) {
      if (checks[i]?.kind !== kind) continue;
      if (tightest < 0 || (remaining[i] ?? 0) < (remaining[tightest] ?? 0)) tightest = i;
    }
    if (tightest < 0) continue;
    const check = checks[tightest] as LimitCheck;
    const left = remaining[tightest] ?? 0;
    const fullAt = now + Math.max(0, ((check.limit - left) * MINUTE_MS) / check.limit);
    headers = resetHeaders(kind, check.limit, left, fullAt, headers);
  }
  return headers;
}
