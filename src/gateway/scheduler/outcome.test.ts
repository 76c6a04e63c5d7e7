import { describe, expect, it } from 'vitest';
import {
  canFailOver,
  classifyRateLimit,
  outcomeOfStatus,
  outcomeOfTransport,
  type Outcome,
} from './outcome.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const HOUR = 3_600_000;

function limited(outcome: Outcome) {
  if (outcome.kind !== 'rate_limited') throw new Error(`expected rate_limited, got ${outcome.kind}`);
  return outcome;
}

describe('classifyRateLimit', () => {
  it('takes a short retry-after for a short throttle of that length', () => {
    const outcome = limited(classifyRateLimit({ 'retry-after': '2' }, NOW));
    expect(outcome).toEqual({
      kind: 'rate_limited',
      cooldownMs: 2_000,
      quotaExhausted: false,
      reason: 'rate limited (short throttle)',
    });
  });

  it('prefers retry-after-ms, and reads an HTTP-date retry-after against the given clock', () => {
    expect(limited(classifyRateLimit({ 'retry-after-ms': '1500', 'retry-after': '9' }, NOW)).cooldownMs).toBe(
      1_500,
    );
    const at = new Date(NOW + 30_000).toUTCString();
    expect(limited(classifyRateLimit({ 'retry-after': at }, NOW)).cooldownMs).toBe(30_000);
  });

  it('cools a bare 429 for a few seconds', () => {
    const outcome = limited(classifyRateLimit({}, NOW));
    expect(outcome.cooldownMs).toBe(5_000);
    expect(outcome.quotaExhausted).toBe(false);
  });

  it('takes an hour-long retry-after for an exhausted quota', () => {
    const outcome = limited(classifyRateLimit({ 'retry-after': '3600' }, NOW));
    expect(outcome.cooldownMs).toBe(HOUR);
    expect(outcome.quotaExhausted).toBe(true);
    expect(outcome.reason).toBe('rate limit quota exhausted');
  });

  it('marks a rejected subscription window as exhausted until its reset', () => {
    const reset = String(Math.floor((NOW + HOUR) / 1000));
    const outcome = limited(
      classifyRateLimit(
        { 'anthropic-ratelimit-unified-status': 'rejected', 'anthropic-ratelimit-unified-reset': reset },
        NOW,
      ),
    );
    expect(outcome.quotaExhausted).toBe(true);
    expect(outcome.cooldownMs).toBe(HOUR);
    expect(outcome.reason).toBe('subscription usage limit reached');
  });

  it('cools a rejected subscription window without a reset for at least a few seconds', () => {
    const outcome = limited(classifyRateLimit({ 'anthropic-ratelimit-unified-status': 'rejected' }, NOW));
    expect(outcome.quotaExhausted).toBe(true);
    expect(outcome.cooldownMs).toBe(5_000);
  });

  it('ignores a unified status that is not a rejection', () => {
    const outcome = limited(
      classifyRateLimit({ 'anthropic-ratelimit-unified-status': 'allowed_warning', 'retry-after': '3' }, NOW),
    );
    expect(outcome.quotaExhausted).toBe(false);
    expect(outcome.cooldownMs).toBe(3_000);
  });

  it('cools until the reset of a spent API limit, exhausted when that is far away', () => {
    const far = limited(
      classifyRateLimit(
        {
          'anthropic-ratelimit-tokens-remaining': '0',
          'anthropic-ratelimit-tokens-reset': new Date(NOW + 2 * HOUR).toISOString(),
          'anthropic-ratelimit-requests-remaining': '10',
          'anthropic-ratelimit-requests-reset': new Date(NOW + 5 * HOUR).toISOString(),
        },
        NOW,
      ),
    );
    expect(far.cooldownMs).toBe(2 * HOUR);
    expect(far.quotaExhausted).toBe(true);

    const near = limited(
      classifyRateLimit(
        {
          'anthropic-ratelimit-requests-remaining': '0',
          'anthropic-ratelimit-requests-reset': new Date(NOW + 10_000).toISOString(),
        },
        NOW,
      ),
    );
    expect(near.cooldownMs).toBe(10_000);
    expect(near.quotaExhausted).toBe(false);
  });

  it('lets retry-after decide over a limit reset', () => {
    const outcome = limited(
      classifyRateLimit(
        {
          'retry-after': '4',
          'anthropic-ratelimit-requests-remaining': '0',
          'anthropic-ratelimit-requests-reset': new Date(NOW + 2 * HOUR).toISOString(),
        },
        NOW,
      ),
    );
    expect(outcome.cooldownMs).toBe(4_000);
    expect(outcome.quotaExhausted).toBe(false);
  });

  it('never cools for a negative time when a reset has already passed', () => {
    const outcome = limited(
      classifyRateLimit(
        {
          'anthropic-ratelimit-requests-remaining': '0',
          'anthropic-ratelimit-requests-reset': new Date(NOW - 10_000).toISOString(),
        },
        NOW,
      ),
    );
    expect(outcome.cooldownMs).toBe(0);
  });
});

describe('outcomeOfStatus', () => {
  it.each([200, 201, 304])('takes %i for success', (status) => {
    expect(outcomeOfStatus(status, {}, NOW).kind).toBe('success');
  });

  it.each([400, 404, 413, 422])('takes %i for the request at fault, not the account', (status) => {
    expect(outcomeOfStatus(status, {}, NOW).kind).toBe('client_error');
  });

  it.each([401, 403])('takes %i for rejected credentials', (status) => {
    expect(outcomeOfStatus(status, {}, NOW).kind).toBe('auth_failed');
  });

  it.each([408, 500, 502, 503, 504, 529])('takes %i for an unavailable account', (status) => {
    expect(outcomeOfStatus(status, {}, NOW)).toEqual({
      kind: 'unavailable',
      reason: `upstream answered ${status}`,
    });
  });

  it('classifies a 429 by its headers', () => {
    expect(outcomeOfStatus(429, { 'retry-after': '3600' }, NOW)).toMatchObject({
      kind: 'rate_limited',
      quotaExhausted: true,
    });
  });
});

describe('outcomeOfTransport and canFailOver', () => {
  it('takes an abort for a cancellation and other transport failures for unavailability', () => {
    expect(outcomeOfTransport('aborted')).toEqual({ kind: 'cancelled' });
    expect(outcomeOfTransport('first_byte_timeout')).toEqual({
      kind: 'unavailable',
      reason: 'upstream first byte timeout',
    });
  });

  it('fails over only when another account may do better', () => {
    const kinds: Record<Outcome['kind'], boolean> = {
      success: false,
      client_error: false,
      cancelled: false,
      rate_limited: true,
      unavailable: true,
      auth_failed: true,
    };
    const samples: Outcome[] = [
      { kind: 'success' },
      { kind: 'client_error' },
      { kind: 'cancelled' },
      { kind: 'rate_limited', cooldownMs: 1, quotaExhausted: false, reason: '' },
      { kind: 'unavailable', reason: '' },
      { kind: 'auth_failed', reason: '' },
    ];
    for (const outcome of samples) expect(canFailOver(outcome)).toBe(kinds[outcome.kind]);
  });
});
