import { describe, expect, it } from 'vitest';
import { behaviorFromSettings, DEFAULT_BEHAVIOR, parseOverrides } from './behavior.js';

describe('parseOverrides', () => {
  it('maps directive keys (string values) to behaviour fields', () => {
    const result = parseOverrides({
      status: '429',
      'retry-after': '7',
      latency: '10',
      ttft: '20',
      tps: '12.5',
      words: '3',
      'disconnect-after': '1',
      'stall-after': '2',
      'error-event-after': '4',
      'error-type': 'api_error',
      hang: true,
      echo: 'false',
    });
    expect(result).toEqual({
      ok: true,
      overrides: {
        status: 429,
        retryAfterSeconds: 7,
        latencyMs: 10,
        ttftMs: 20,
        tokensPerSecond: 12.5,
        words: 3,
        disconnectAfter: 1,
        stallAfter: 2,
        errorEventAfter: 4,
        errorType: 'api_error',
        hang: true,
        echo: false,
      },
    });
  });

  it('accepts JSON numbers and booleans (script entries) and leaves absent keys out', () => {
    expect(parseOverrides({ status: 529, hang: false })).toEqual({
      ok: true,
      overrides: { status: 529, hang: false },
    });
    expect(parseOverrides({})).toEqual({ ok: true, overrides: {} });
  });

  it.each([
    [{ status: 'abc' }, 'status'],
    [{ status: '302' }, 'status'],
    [{ words: '-1' }, 'words'],
    [{ latency: '' }, 'latency'],
    [{ 'error-type': 'nope' }, 'error-type'],
    [{ hang: 'maybe' }, 'hang'],
    [{ colour: 'red' }, 'colour'],
  ])('rejects %j and names the field', (fields, name) => {
    const result = parseOverrides(fields);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(name);
  });
});

describe('behaviorFromSettings', () => {
  it('reads the account defaults', () => {
    expect(
      behaviorFromSettings({ latencyMs: 5, ttftMs: 6, tokensPerSecond: 7, words: 8, expectedApiKey: 'k' }),
    ).toEqual({ latencyMs: 5, ttftMs: 6, tokensPerSecond: 7, words: 8, expectedApiKey: 'k' });
  });

  it('falls back to the default for each bad or missing field', () => {
    expect(
      behaviorFromSettings({ latencyMs: -1, ttftMs: 'x', words: 3, expectedApiKey: 42, other: true }),
    ).toEqual({
      ...DEFAULT_BEHAVIOR,
      words: 3,
    });
    expect(behaviorFromSettings({})).toEqual(DEFAULT_BEHAVIOR);
  });
});
