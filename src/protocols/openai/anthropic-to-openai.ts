/**
 * A whole Anthropic message → an OpenAI chat completion. Pure: the caller passes the clock.
 * Text blocks join into `content`; tool_use blocks become `tool_calls`; thinking and server-tool
 * blocks have no Chat Completions form and are left out.
 */
import { z } from 'zod';
import { usageSchema, type WireUsage } from '../anthropic/messages-schema.js';
import { emptyUsage, type TokenUsage } from '../anthropic/usage.js';
import {
  chatUsageOf,
  completionIdOf,
  finishReasonOf,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatToolCallOut,
  type ChunkDelta,
  type FinishReason,
} from './chat-response.js';

export const anthropicMessageSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  model: z.string(),
  content: z.array(z.looseObject({ type: z.string() })),
  stop_reason: z.string().nullish(),
  usage: usageSchema,
});

export type AnthropicMessageBody = z.infer<typeof anthropicMessageSchema>;

export interface CompletionContext {
  /** Unix seconds. */
  created: number;
  /** Used for the id when the answer has none. */
  requestId: string;
}

export function tokenUsageOf(wire: WireUsage | undefined): TokenUsage {
  const usage = emptyUsage();
  if (!wire) return usage;
  usage.inputTokens = wire.input_tokens ?? 0;
  usage.outputTokens = wire.output_tokens ?? 0;
  usage.cacheCreationInputTokens = wire.cache_creation_input_tokens ?? 0;
  usage.cacheReadInputTokens = wire.cache_read_input_tokens ?? 0;
  return usage;
}

export function completionFromMessage(
  message: AnthropicMessageBody,
  context: CompletionContext,
): ChatCompletion {
  let text: string | null = null;
  const toolCalls: ChatToolCallOut[] = [];
  for (const block of message.content) {
    if (block.type === 'text' && typeof block['text'] === 'string') text = (text ?? '') + block['text'];
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: String(block['id']),
        type: 'function',
        function: { name: String(block['name']), arguments: JSON.stringify(block['input'] ?? {}) },
      });
    }
  }
  const reply: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: text,
    refusal: null,
  };
  if (toolCalls.length > 0) reply.tool_calls = toolCalls;
  return {
    id: completionIdOf(message.id, context.requestId),
    object: 'chat.completion',
    created: context.created,
    model: message.model,
    choices: [
      { index: 0, message: reply, finish_reason: finishReasonOf(message.stop_reason), logprobs: null },
    ],
    usage: chatUsageOf(tokenUsageOf(message.usage)),
  };
}

/**
 * The chunks a stream of this completion would have carried, ending with `data: [DONE]`: for a
 * streaming request whose upstream answered with a whole message.
 */
export function chunksFromCompletion(completion: ChatCompletion, includeUsage: boolean): string {
  const choice = completion.choices[0];
  const base = { id: completion.id, created: completion.created, model: completion.model };
  const extra = includeUsage ? { usage: null } : {};
  const chunk = (delta: ChunkDelta, finishReason: FinishReason | null): ChatCompletionChunk => ({
    ...base,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
    ...extra,
  });
  const chunks: ChatCompletionChunk[] = [
    chunk({ role: 'assistant', content: choice?.message.content ?? '' }, null),
  ];
  const calls = choice?.message.tool_calls ?? [];
  if (calls.length > 0)
    chunks.push(chunk({ tool_calls: calls.map((call, index) => ({ index, ...call })) }, null));
  chunks.push(chunk({}, choice?.finish_reason ?? 'stop'));
  if (includeUsage)
    chunks.push({ ...base, object: 'chat.completion.chunk', choices: [], usage: completion.usage });
  return chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';
}
