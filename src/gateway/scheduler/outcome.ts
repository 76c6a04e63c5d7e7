import type { UpstreamHeaders } from '../../upstreams/types.js';
import type { TransportFailure } from '../../upstreams/errors.js';

/** What one upstream attempt tells the scheduler about its account. */
export type Outcome =
  | { kind: 'success' }
  /** The request itself was bad (400, 404, 413…): says nothing about the account. */
  | { kind: 'client_error' }
  | { kind: 'rate_limited'; cooldownMs: number; quotaExhausted: boolean; reason: string }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'auth_failed'; reason: string }
  /** The client went away; nothing is known about the account. */
  | { kind: 'cancelled' };

/** Outcomes after which another account may succeed where this one failed. */
export function canFailOver(outcome: Outcome): boolean {
  return outcome.kind === 'rate_limited' || outcome.kind === 'unavailable' || outcome.kind === 'auth_failed';
}

const SHORT_THROTTLE_DEFAULT_MS = 5_000;
/** A retry-after longer than this means the quota is spent, not a passing throttle. */
const QUOTA_THRESHOLD_MS = 60_000;

function parseResetTime(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) {
    // anthropic-ratelimit-unified-reset is Unix seconds; the others are RFC 3339.
    const seconds = Number(value);
    return seconds > 1e9 ? seconds * 1000 : now + seconds * 1000;
  }
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

function retryAfterMs(headers: UpstreamHeaders, now: number): number | undefined {
  const ms = headers['retry-after-ms'];
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Number(ms);
  const seconds = headers['retry-after'];
  if (seconds && /^\d+(\.\d+)?$/.test(seconds)) return Number(seconds) * 1000;
  if (seconds) {
    const at = Date.parse(seconds);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return undefined;
}

/**
 * A 429 is a short throttle unless the headers say a quota is spent: a subscription window
 * rejected, a limit with nothing remaining until a reset far away, or a long retry-after.
 * Taking every 429 for an exhausted quota locks accounts for hours (a known fault of peers).
 */
export function classifyRateLimit(headers: UpstreamHeaders, now: number): Outcome {
  const retryAfter = retryAfterMs(headers, now);
  if (headers['anthropic-ratelimit-unified-status'] === 'rejected') {
    const reset = parseResetTime(headers['anthropic-ratelimit-unified-reset'], now);
    const cooldownMs = Math.max(
      reset !== undefined ? reset - now : 0,
      retryAfter ?? 0,
      SHORT_THROTTLE_DEFAULT_MS,
    );
    return {
      kind: 'rate_limited',
      cooldownMs,
      quotaExhausted: true,
      reason: 'subscription usage limit reached',
    };
  }
  let exhaustedUntil: number | undefined;
  for (const limit of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
    if (headers[`anthropic-ratelimit-${limit}-remaining`] !== '0') continue;
    const reset = parseResetTime(headers[`anthropic-ratelimit-${limit}-reset`], now);
    if (reset !== undefined) exhaustedUntil = Math.max(exhaustedUntil ?? 0, reset);
  }
  const untilReset = exhaustedUntil !== undefined ? exhaustedUntil - now : undefined;
  const cooldownMs = Math.max(retryAfter ?? untilReset ?? SHORT_THROTTLE_DEFAULT_MS, 0);
  const quotaExhausted = cooldownMs > QUOTA_THRESHOLD_MS;
  return {
    kind: 'rate_limited',
    cooldownMs,
    quotaExhausted,
    reason: quotaExhausted ? 'rate limit quota exhausted' : 'rate limited (short throttle)',
  };
}

/** Turns an upstream status into an outcome for the account. */
export function outcomeOfStatus(status: number, headers: UpstreamHeaders, now: number): Outcome {
  if (status < 400) return { kind: 'success' };
  if (status === 429) return classifyRateLimit(headers, now);
  if (status === 401 || status === 403) return { kind: 'auth_failed', reason: `upstream answered ${status}` };
  if (status === 529 || status >= 500 || status === 408)
    return { kind: 'unavailable', reason: `upstream answered ${status}` };
  return { kind: 'client_error' };
}

export function outcomeOfTransport(failure: TransportFailure): Outcome {
  if (failure === 'aborted') return { kind: 'cancelled' };
  return { kind: 'unavailable', reason: `upstream ${failure.replace(/_/g, ' ')}` };
}
