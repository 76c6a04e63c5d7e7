import { describe, expect, it } from 'vitest';
import {
  anthropicMessageSchema,
  chunksFromCompletion,
  completionFromMessage,
  type AnthropicMessageBody,
} from './anthropic-to-openai.js';
import { chatUsageOf, finishReasonOf } from './chat-response.js';
import { emptyUsage } from '../anthropic/usage.js';

const context = { created: 1_700_000_000, requestId: 'req_1' };
const usage = {
  input_tokens: 10,
  output_tokens: 5,
  cache_creation_input_tokens: 3,
  cache_read_input_tokens: 2,
};

function message(fields: Partial<AnthropicMessageBody>): AnthropicMessageBody {
  return anthropicMessageSchema.parse({
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-6',
    content: [],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage,
    ...fields,
  });
}

const USAGE_OUT = {
  prompt_tokens: 15,
  completion_tokens: 5,
  total_tokens: 20,
  prompt_tokens_details: { cached_tokens: 2 },
};

describe('completionFromMessage', () => {
  /** Anthropic message → the completion's `choices[0]` (message and finish_reason). */
  const CASES: Array<[string, Partial<AnthropicMessageBody>, Record<string, unknown>]> = [
    [
      'text blocks join into content; end_turn → stop',
      {
        content: [
          { type: 'text', text: 'Hello' },
          { type: 'text', text: ', world' },
        ],
      },
      { message: { role: 'assistant', content: 'Hello, world', refusal: null }, finish_reason: 'stop' },
    ],
    [
      'tool_use blocks → tool_calls with JSON arguments; tool_use → tool_calls',
      {
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 's' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
        ],
        stop_reason: 'tool_use',
      },
      {
        message: {
          role: 'assistant',
          content: 'Checking.',
          refusal: null,
          tool_calls: [
            {
              id: 'toolu_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        finish_reason: 'tool_calls',
      },
    ],
    [
      'no text at all → content null; max_tokens → length',
      { content: [], stop_reason: 'max_tokens' },
      { message: { role: 'assistant', content: null, refusal: null }, finish_reason: 'length' },
    ],
    [
      'stop_sequence → stop',
      { content: [{ type: 'text', text: 'a' }], stop_reason: 'stop_sequence' },
      { message: { role: 'assistant', content: 'a', refusal: null }, finish_reason: 'stop' },
    ],
    [
      'refusal → content_filter',
      { content: [{ type: 'text', text: '' }], stop_reason: 'refusal' },
      { message: { role: 'assistant', content: '', refusal: null }, finish_reason: 'content_filter' },
    ],
  ];

  it.each(CASES)('%s', (_name, fields, choice) => {
    expect(completionFromMessage(message(fields), context)).toStrictEqual({
      id: 'chatcmpl-msg_1',
      object: 'chat.completion',
      created: context.created,
      model: 'claude-sonnet-4-6',
      choices: [{ index: 0, logprobs: null, ...choice }],
      usage: USAGE_OUT,
    });
  });
});

describe('finish reasons and usage', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['something_new', 'stop'],
    [null, 'stop'],
  ] as const)('%s → %s', (stop, finish) => {
    expect(finishReasonOf(stop)).toBe(finish);
  });

  it('counts cache reads and writes as prompt tokens, reads as cached', () => {
    expect(
      chatUsageOf({ ...emptyUsage(), inputTokens: 4, outputTokens: 6, cacheReadInputTokens: 100 }),
    ).toStrictEqual({
      prompt_tokens: 104,
      completion_tokens: 6,
      total_tokens: 110,
      prompt_tokens_details: { cached_tokens: 100 },
    });
  });
});

describe('chunksFromCompletion', () => {
  it('turns a whole answer into the chunks a stream would have carried', () => {
    const completion = completionFromMessage(
      message({
        content: [
          { type: 'text', text: 'Hi' },
          { type: 'tool_use', id: 't1', name: 'f', input: {} },
        ],
        stop_reason: 'tool_use',
      }),
      context,
    );
    const lines = chunksFromCompletion(completion, true).split('\n\n').filter(Boolean);
    expect(lines.at(-1)).toBe('data: [DONE]');
    const chunks = lines
      .slice(0, -1)
      .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);
    expect(chunks.map((c) => (c['choices'] as Array<Record<string, unknown>>)[0] ?? null)).toStrictEqual([
      { index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null, logprobs: null },
      {
        index: 0,
        delta: {
          tool_calls: [{ index: 0, id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        finish_reason: null,
        logprobs: null,
      },
      { index: 0, delta: {}, finish_reason: 'tool_calls', logprobs: null },
      null,
    ]);
    expect(chunks.at(-1)?.['usage']).toStrictEqual(USAGE_OUT);
    expect(chunks.every((c) => c['object'] === 'chat.completion.chunk' && c['id'] === 'chatcmpl-msg_1')).toBe(
      true,
    );
  });
});
