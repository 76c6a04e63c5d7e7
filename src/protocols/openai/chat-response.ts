/**
 * What Switchyard sends OpenAI clients: the completion, the stream chunk, and the pieces both
 * share (finish reason, usage), mapped from the Anthropic answer.
 */
import type { TokenUsage } from '../anthropic/usage.js';

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface ChatToolCallOut {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: 0;
    message: {
      role: 'assistant';
      content: string | null;
      refusal: null;
      tool_calls?: ChatToolCallOut[];
    };
    finish_reason: FinishReason;
    logprobs: null;
  }>;
  usage: ChatUsage;
}

export interface ChunkToolCall {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments: string };
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string;
  tool_calls?: ChunkToolCall[];
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{ index: 0; delta: ChunkDelta; finish_reason: FinishReason | null; logprobs: null }>;
  usage?: ChatUsage | null;
}

/** Anthropic stop_reason → OpenAI finish_reason; unknown and missing reasons read as a normal stop. */
export function finishReasonOf(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn and reasons added later
      return 'stop';
  }
}

/**
 * OpenAI's prompt_tokens include cached tokens; Anthropic's input_tokens do not. Both cache
 * writes and reads were prompt tokens, and the reads are what OpenAI calls cached.
 */
export function chatUsageOf(usage: TokenUsage): ChatUsage {
  const prompt = usage.inputTokens + usage.cacheCreationInputTokens + usage.cacheReadInputTokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.outputTokens,
    total_tokens: prompt + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadInputTokens },
  };
}

/** `chatcmpl-…` from the Anthropic message id, so both logs can be matched. */
export const completionIdOf = (messageId: string | undefined, fallback: string): string =>
  `chatcmpl-${messageId ?? fallback}`;
