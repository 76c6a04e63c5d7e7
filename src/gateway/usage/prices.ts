import type { TokenUsage } from '../../protocols/anthropic/usage.js';

/** USD per million tokens, as the model catalogue (gateway/catalogue) holds them. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Tokens written to the prompt cache (cache_creation_input_tokens). */
  cacheWrite: number;
  /** Tokens read from the prompt cache (cache_read_input_tokens). */
  cacheRead: number;
}

/** What a request cost; 0 for a model the catalogue has no price for. */
export function costUsd(price: ModelPrice | undefined, usage: TokenUsage): number {
  if (!price) return 0;
  const micro =
    usage.inputTokens * price.input +
    usage.outputTokens * price.output +
    usage.cacheCreationInputTokens * price.cacheWrite +
    usage.cacheReadInputTokens * price.cacheRead;
  return Math.round(micro) / 1e6;
}
