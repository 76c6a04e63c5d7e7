import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { looseJson, mostly } from '../../../test/support/json-arbitraries.js';
import { isPlainChatRequest } from './chat-request-check.js';
import { chatCompletionRequestSchema } from './chat-request-schema.js';
import { requestToAnthropic, type RequestMappingOptions } from './request-to-anthropic.js';

/** The Anthropic body bytes (or the refusal) a request maps to. */
function mapped(request: Parameters<typeof requestToAnthropic>[0], options: RequestMappingOptions): string {
  try {
    return JSON.stringify(requestToAnthropic(request, options));
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
}

const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const REALISTIC: Record<string, unknown>[] = [
  {
    model: 'claude-sonnet-4-6',
    max_tokens: 256,
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'Compare optimistic and pessimistic locking.' }],
  },
  {
    model: 'claude-sonnet-4-6',
    temperature: 0.7,
    top_p: null,
    stop: ['\n\n'],
    user: 'u-1',
    messages: [
      { role: 'system', content: 'Be terse.' },
      { role: 'developer', content: [{ type: 'text', text: 'Really.' }] },
      { role: 'user', content: 'What is a mutex?' },
      { role: 'assistant', content: 'A lock.', refusal: null, tool_calls: null },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'And this?' },
          { type: 'image_url', image_url: { url: PNG } },
        ],
      },
    ],
  },
  {
    model: 'gpt-4o',
    max_completion_tokens: 1024,
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    parallel_tool_calls: false,
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
          strict: true,
        },
      },
    ],
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: '21 C' }] },
    ],
    frequency_penalty: 0,
  },
];

// Values valid somewhere and invalid elsewhere, so every field sees both.
const scalar = fc.oneof(
  fc.constantFrom(null, true, false, 0, -0, 1, -1, 0.5, 1.5, 2, 3, 17, 2 ** 53, '', 'x', 'text', 'auto'),
  fc.constantFrom(
    'none',
    'required',
    'function',
    'image_url',
    'refusal',
    'input_audio',
    'file',
    'json_object',
  ),
  fc.constantFrom(
    '🚀'.repeat(100),
    'a'.repeat(129),
    'b'.repeat(257),
    'c'.repeat(513),
    PNG,
    'https://x/y.png',
  ),
  fc.string({ maxLength: 6 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -5, max: 5 }),
);
const loose = looseJson(scalar, ['type', 'text', 'name', 'a']);
// Mostly the right shape, so that whole requests are often valid and each field is sometimes not.
const maybe = mostly(scalar, loose);
const textPart = fc.record({ type: fc.constant('text'), text: fc.string({ maxLength: 8 }) });
const part = maybe(
  fc.oneof(
    textPart,
    fc.record({ type: fc.constant('refusal'), refusal: fc.string({ maxLength: 5 }) }),
    fc.record({
      type: fc.constant('image_url'),
      image_url: maybe(
        fc.record(
          { url: maybe(fc.constant(PNG)), detail: maybe(fc.constant('low')) },
          { requiredKeys: ['url'] },
        ),
      ),
    }),
    fc.record({ type: fc.constantFrom('input_audio', 'file') }),
  ),
);
const content = maybe(fc.oneof(fc.string({ maxLength: 8 }), fc.array(part, { maxLength: 3 })));
const toolCall = maybe(
  fc.record({
    id: maybe(fc.constantFrom('call_1', 'call_2')),
    type: maybe(fc.constant('function')),
    function: maybe(
      fc.record({
        name: maybe(fc.constant('f')),
        arguments: maybe(fc.constantFrom('{}', '{"a":1}', '', '[1]', 'x')),
      }),
    ),
  }),
);
const message = maybe(
  fc.record(
    {
      role: maybe(fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function')),
      content,
      refusal: maybe(fc.string({ maxLength: 4 })),
      tool_calls: maybe(fc.array(toolCall, { maxLength: 2 })),
      tool_call_id: maybe(fc.constantFrom('call_1', '')),
      function_call: loose,
    },
    { requiredKeys: ['role', 'content'] },
  ),
);
const tool = maybe(
  fc.record({
    type: maybe(fc.constant('function')),
    function: maybe(
      fc.record(
        {
          name: maybe(fc.constantFrom('f', 'get_weather')),
          description: maybe(fc.string({ maxLength: 4 })),
          parameters: maybe(
            fc.constantFrom({ type: 'object' }, { type: 'string' }, {}, { properties: { a: {} } }),
          ),
          strict: maybe(fc.boolean()),
        },
        { requiredKeys: ['name'] },
      ),
    ),
  }),
);
const request = maybe(
  fc.record(
    {
      model: maybe(fc.constantFrom('claude-sonnet-4-6', 'gpt-4o')),
      messages: maybe(fc.array(message, { minLength: 1, maxLength: 4 })),
      max_tokens: maybe(fc.integer({ min: 1, max: 5000 })),
      max_completion_tokens: maybe(fc.integer({ min: 1, max: 5000 })),
      temperature: maybe(fc.double({ min: 0, max: 2, noNaN: true })),
      top_p: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
      stop: maybe(
        fc.oneof(fc.string({ maxLength: 3 }), fc.array(fc.string({ maxLength: 3 }), { maxLength: 18 })),
      ),
      stream: maybe(fc.boolean()),
      stream_options: maybe(fc.record({ include_usage: maybe(fc.boolean()) })),
      tools: maybe(fc.array(tool, { maxLength: 2 })),
      tool_choice: maybe(
        fc.oneof(
          fc.constantFrom('none', 'auto', 'required'),
          fc.record({
            type: maybe(fc.constant('function')),
            function: maybe(fc.record({ name: maybe(fc.constant('f')) })),
          }),
        ),
      ),
      parallel_tool_calls: maybe(fc.boolean()),
      user: maybe(fc.string({ maxLength: 5 })),
      n: maybe(fc.constantFrom(1, 2)),
      response_format: maybe(fc.record({ type: maybe(fc.constantFrom('text', 'json_object')) })),
      logprobs: maybe(fc.boolean()),
      modalities: maybe(fc.array(fc.constantFrom('text', 'audio'), { maxLength: 2 })),
      audio: loose,
      extra: loose,
    },
    { requiredKeys: ['model', 'messages'] },
  ),
);
// What the route sees: the value after a JSON round trip.
const body = request.map((value) => JSON.parse(JSON.stringify(value)) as unknown);

describe('the chat request fast path', () => {
  it('takes the realistic shapes, and maps them as the schema path does', () => {
    for (const value of REALISTIC) {
      expect(isPlainChatRequest(value)).toBe(true);
      const parsed = chatCompletionRequestSchema.parse(value);
      expect(mapped(value as never, { remoteImages: 'refuse' })).toBe(
        mapped(parsed, { remoteImages: 'refuse' }),
      );
    }
  });

  it('accepts only what the schema accepts, and then maps to the same Anthropic body', () => {
    let fast = 0;
    let accepted = 0;
    fc.assert(
      fc.property(
        body,
        fc.constantFrom<RequestMappingOptions['remoteImages']>('refuse', 'forward'),
        (value, images) => {
          const parsed = chatCompletionRequestSchema.safeParse(value);
          if (parsed.success) accepted++;
          if (!isPlainChatRequest(value)) return;
          fast++;
          expect(parsed.success).toBe(true);
          if (!parsed.success) return;
          expect(mapped(value, { remoteImages: images })).toBe(mapped(parsed.data, { remoteImages: images }));
        },
      ),
      { numRuns: 3000 },
    );
    // Both outcomes were exercised, and the fast path took most of what the schema accepts.
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(2700);
    expect(fast, `fast ${fast} of ${accepted}`).toBeGreaterThan(accepted * 0.8);
  });
});
