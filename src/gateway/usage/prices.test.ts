import { describe, expect, it } from 'vitest';
import { Catalogue } from '../catalogue/catalogue.js';
import { SHIPPED_ALIASES, SHIPPED_MODELS } from '../catalogue/shipped.js';
import { costUsd } from './prices.js';

const MILLION = 1_000_000;

describe('costUsd', () => {
  const catalogue = new Catalogue({ models: SHIPPED_MODELS, aliases: SHIPPED_ALIASES });

  it('prices input, output, cache writes and cache reads at the catalogue prices', () => {
    const usage = {
      inputTokens: MILLION,
      outputTokens: MILLION,
      cacheCreationInputTokens: MILLION,
      cacheReadInputTokens: MILLION,
    };
    expect(costUsd(catalogue.priceOf('claude-sonnet-4-6'), usage)).toBeCloseTo(3 + 15 + 3.75 + 0.3, 6);
    expect(costUsd(catalogue.priceOf('claude-opus-4-1-20250805'), usage)).toBeCloseTo(
      15 + 75 + 18.75 + 1.5,
      6,
    );
  });

  it('counts cache tokens separately from plain input', () => {
    const price = { input: 10, output: 0, cacheWrite: 20, cacheRead: 1 };
    const only = (cacheCreationInputTokens: number, cacheReadInputTokens: number) =>
      costUsd(price, { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens, cacheReadInputTokens });
    expect(only(1000, 0)).toBe(0.02);
    expect(only(0, 1000)).toBe(0.001);
    expect(only(1000, 1000)).toBe(0.021);
  });

  it('is 0 for a model without a price', () => {
    const usage = { inputTokens: 5, outputTokens: 5, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
    expect(costUsd(catalogue.priceOf('unknown-model'), usage)).toBe(0);
  });
});
