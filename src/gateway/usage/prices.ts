import type { TokenUsage } from '../../protocols/anthropic/usage.js';

/** USD per million tokens. The model catalogue will make these editable; these are the list prices. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

const price = (input: number, output: number): ModelPrice => ({
  input,
  output,
  cacheWrite: input * 1.25,
  cacheRead: input * 0.1,
});

/** Longest matching prefix wins, so dated ids (claude-sonnet-4-5-20250929) find their family. */
const PRICES: ReadonlyArray<[prefix: string, price: ModelPrice]> = [
  ['claude-opus-4-5', price(5, 25)],
  ['claude-opus-4-6', price(5, 25)],
  ['claude-opus-4-7', price(5, 25)],
  ['claude-opus-4-1', price(15, 75)],
  ['claude-opus-4', price(15, 75)],
  ['claude-3-opus', price(15, 75)],
  ['claude-sonnet-4', price(3, 15)],
  ['claude-3-7-sonnet', price(3, 15)],
  ['claude-3-5-sonnet', price(3, 15)],
  ['claude-haiku-4', price(1, 5)],
  ['claude-3-5-haiku', price(0.8, 4)],
  ['claude-3-haiku', price(0.25, 1.25)],
].sort((a, b) => (b[0] as string).length - (a[0] as string).length) as Array<[string, ModelPrice]>;

export function priceOf(model: string): ModelPrice | undefined {
  return PRICES.find(([prefix]) => model.startsWith(prefix))?.[1];
}

export function costUsd(model: string, usage: TokenUsage): number {
  const p = priceOf(model);
  if (!p) return 0;
  const micro =
    usage.inputTokens * p.input +
    usage.outputTokens * p.output +
    usage.cacheCreationInputTokens * p.cacheWrite +
    usage.cacheReadInputTokens * p.cacheRead;
  return Math.round(micro) / 1e6;
}
