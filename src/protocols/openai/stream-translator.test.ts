import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSseEvent } from '../anthropic/sse.js';
import {
  ChatStreamTranslator,
  DONE_LINE,
  KEEPALIVE_LINE,
  type StreamTranslatorOptions,
} from './stream-translator.js';

const OPTIONS: StreamTranslatorOptions = {
  created: 1_700_000_000,
  includeUsage: false,
  requestId: 'req_1',
  model: 'asked',
};

const ev = (type: string, fields: Record<string, unknown> = {}) => encodeSseEvent(type, { type, ...fields });
const start = (usage: Record<string, number> = { input_tokens: 12, output_tokens: 1 }) =>
  ev('message_start', {
    message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [], usage },
  });
const textBlock = (index: number, ...texts: string[]) =>
  ev('content_block_start', { index, content_block: { type: 'text', text: '' } }) +
  texts.map((text) => ev('content_block_delta', { index, delta: { type: 'text_delta', text } })).join('') +
  ev('content_block_stop', { index });
const toolBlock = (index: number, id: string, name: string, ...parts: string[]) =>
  ev('content_block_start', { index, content_block: { type: 'tool_use', id, name, input: {} } }) +
  parts
    .map((partial_json) =>
      ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }),
    )
    .join('') +
  ev('content_block_stop', { index });
const end = (stop_reason: string, output_tokens: number) =>
  ev('message_delta', { delta: { stop_reason, stop_sequence: null }, usage: { output_tokens } }) +
  ev('message_stop');

function translate(input: string | Buffer, options: Partial<StreamTranslatorOptions> = {}): string {
  const translator = new ChatStreamTranslator({ ...OPTIONS, ...options });
  return translator.push(Buffer.from(input)) + translator.end();
}

/** The output as a list: parsed chunks, `[DONE]`, or `ping` for keep-alive comments. */
function lines(output: string): unknown[] {
  return output
    .split('\n\n')
    .filter(Boolean)
    .map((line) => {
      if (line === ': ping') return 'ping';
      if (`${line}\n\n` === DONE_LINE) return '[DONE]';
      expect(line.startsWith('data: ')).toBe(true);
      return JSON.parse(line.slice(6)) as unknown;
    });
}

const chunk = (
  delta: Record<string, unknown>,
  finish_reason: string | null = null,
  extra: Record<string, unknown> = {},
) => ({
  id: 'chatcmpl-msg_1',
  object: 'chat.completion.chunk',
  created: OPTIONS.created,
  model: 'claude-x',
  choices: [{ index: 0, delta, finish_reason, logprobs: null }],
  ...extra,
});

describe('ChatStreamTranslator', () => {
  /** Anthropic SSE → the OpenAI lines it becomes. */
  const CASES: Array<[string, string, Partial<StreamTranslatorOptions>, unknown[]]> = [
    [
      'text: a role chunk, one chunk per delta, the finish chunk, [DONE]; pings become comments',
      start() + ev('ping') + textBlock(0, 'Hel', 'lo') + end('end_turn', 2),
      {},
      [
        chunk({ role: 'assistant', content: '' }),
        'ping',
        chunk({ content: 'Hel' }),
        chunk({ content: 'lo' }),
        chunk({}, 'stop'),
        '[DONE]',
      ],
    ],
    [
      'include_usage: usage null on every chunk, then a usage chunk without choices',
      start({
        input_tokens: 12,
        output_tokens: 1,
        cache_read_input_tokens: 8,
        cache_creation_input_tokens: 0,
      }) +
        textBlock(0, 'Hi') +
        end('max_tokens', 1),
      { includeUsage: true },
      [
        chunk({ role: 'assistant', content: '' }, null, { usage: null }),
        chunk({ content: 'Hi' }, null, { usage: null }),
        chunk({}, 'length', { usage: null }),
        {
          id: 'chatcmpl-msg_1',
          object: 'chat.completion.chunk',
          created: OPTIONS.created,
          model: 'claude-x',
          choices: [],
          usage: {
            prompt_tokens: 20,
            completion_tokens: 1,
            total_tokens: 21,
            prompt_tokens_details: { cached_tokens: 8 },
          },
        },
        '[DONE]',
      ],
    ],
    [
      'tool calls: text, then two tool_use blocks numbered 0 and 1 with their argument fragments',
      start() +
        textBlock(0, 'Let me check.') +
        toolBlock(1, 'toolu_a', 'get_weather', '{"city":', '"Oslo"}') +
        ev('content_block_start', { index: 2, content_block: { type: 'thinking', thinking: '' } }) +
        ev('content_block_delta', { index: 2, delta: { type: 'thinking_delta', thinking: 'hidden' } }) +
        ev('content_block_stop', { index: 2 }) +
        toolBlock(3, 'toolu_b', 'now') +
        end('tool_use', 30),
      {},
      [
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Let me check.' }),
        chunk({
          tool_calls: [
            { index: 0, id: 'toolu_a', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }),
        chunk({
          tool_calls: [
            { index: 1, id: 'toolu_b', type: 'function', function: { name: 'now', arguments: '' } },
          ],
        }),
        chunk({}, 'tool_calls'),
        '[DONE]',
      ],
    ],
    [
      'an error event after output becomes an OpenAI error line, and nothing follows',
      start() +
        textBlock(0, 'Hi') +
        ev('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }) +
        end('end_turn', 1),
      {},
      [
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Hi' }),
        { error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded' } },
      ],
    ],
    [
      'a ping before anything else (the early 200), then message_stop without message_delta',
      ev('ping') + start() + ev('message_stop'),
      {},
      ['ping', chunk({ role: 'assistant', content: '' }), chunk({}, 'stop'), '[DONE]'],
    ],
  ];

  it.each(CASES)('%s', (_name, input, options, expected) => {
    expect(lines(translate(input, options))).toStrictEqual(expected);
  });

  it('uses the asked model and the request id until message_start says otherwise', () => {
    const out = lines(translate(ev('error', { error: { type: 'api_error', message: 'x' } })));
    expect(out).toStrictEqual([{ error: { message: 'x', type: 'server_error', param: null, code: null } }]);
  });

  const STREAM = Buffer.from(
    start() +
      ev('ping') +
      textBlock(0, 'Grüße ', '— 你好 ', '🙂 done') +
      toolBlock(1, 'toolu_1', 'f', '{"q":"ü', '🙂"}') +
      end('tool_use', 9),
  );

  it('gives the same output for any split of the same bytes', () => {
    const whole = translate(STREAM, { includeUsage: true });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 40 }),
        (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), STREAM.length];
          const translator = new ChatStreamTranslator({ ...OPTIONS, includeUsage: true });
          let out = '';
          for (let i = 1; i < points.length; i++)
            out += translator.push(STREAM.subarray(points[i - 1], points[i]));
          out += translator.end();
          expect(out).toBe(whole);
        },
      ),
      { numRuns: 300 },
    );
    // Byte by byte, too: every cut inside every multi-byte character.
    const translator = new ChatStreamTranslator({ ...OPTIONS, includeUsage: true });
    let out = '';
    for (let i = 0; i < STREAM.length; i++) out += translator.push(STREAM.subarray(i, i + 1));
    expect(out + translator.end()).toBe(whole);
    expect(whole).toContain('"content":"— 你好 "');
  });

  it('only ever hands out whole lines', () => {
    const translator = new ChatStreamTranslator(OPTIONS);
    for (let i = 0; i < STREAM.length; i += 7) {
      const out = translator.push(STREAM.subarray(i, i + 7));
      if (out !== '') expect(out.endsWith('\n\n')).toBe(true);
    }
    expect(KEEPALIVE_LINE.startsWith(':')).toBe(true);
  });
});
