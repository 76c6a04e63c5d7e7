import { describe, expect, it } from 'vitest';
import { costUsd, priceOf } from './prices.js';

describe('prices', () => {
  it('finds a dated model by its family, longest prefix first', () => {
    expect(priceOf('claude-opus-4-5-20251101')?.input).toBe(5);
    expect(priceOf('claude-opus-4-1-20250805')?.input).toBe(15);
    expect(priceOf('claude-sonnet-4-6')?.output).toBe(15);
    expect(priceOf('gpt-4o')).toBeUndefined();
  });

  it('prices input, output and both cache kinds', () => {
    const cost = costUsd('claude-sonnet-4-6', {
      inputTokens: 1_000_000,
      outputTokens: 1_000_000,
      cacheCreationInputTokens: 1_000_000,
      cacheReadInputTokens: 1_000_000,
    });
    expect(cost).toBeCloseTo(3 + 15 + 3.75 + 0.3, 6);
    expect(
      costUsd('unknown-model', {
        inputTokens: 5,
        outputTokens: 5,
        cacheCreationInputTokens: 0,
        cacheReadInputTokens: 0,
      }),
    ).toBe(0);
  });
});
