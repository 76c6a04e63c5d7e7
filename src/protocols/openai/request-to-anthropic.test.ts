import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../errors.js';
import { parseInput } from '../../services/parse-input.js';
import { chatCompletionRequestSchema } from './chat-request-schema.js';
import {
  DEFAULT_MAX_TOKENS,
  requestToAnthropic,
  type RequestMappingOptions,
} from './request-to-anthropic.js';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const user = (content: unknown) => ({ role: 'user', content });
const base = { model: 'claude-sonnet-4-6' };

function map(request: Record<string, unknown>, options?: RequestMappingOptions) {
  return requestToAnthropic(parseInput(chatCompletionRequestSchema, { ...base, ...request }), options);
}

/** OpenAI request (fields beside `model`) → the Anthropic request it becomes (fields beside `model`). */
const CASES: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
  [
    'a plain user message, with the default max_tokens',
    { messages: [user('Hi')] },
    { max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'Hi' }] },
  ],
  [
    'max_completion_tokens wins over max_tokens',
    { max_tokens: 10, max_completion_tokens: 20, messages: [user('Hi')] },
    { max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] },
  ],
  [
    'max_tokens alone',
    { max_tokens: 10, messages: [user('Hi')] },
    { max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] },
  ],
  [
    'one system message becomes the system string',
    { max_tokens: 5, messages: [{ role: 'system', content: 'Be brief.' }, user('Hi')] },
    { max_tokens: 5, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] },
  ],
  [
    'system and developer messages, wherever they are, become system text blocks in order',
    {
      max_tokens: 5,
      messages: [
        { role: 'system', content: 'One.' },
        user('Hi'),
        { role: 'developer', content: [{ type: 'text', text: 'Two.' }] },
      ],
    },
    {
      max_tokens: 5,
      system: [
        { type: 'text', text: 'One.' },
        { type: 'text', text: 'Two.' },
      ],
      messages: [{ role: 'user', content: 'Hi' }],
    },
  ],
  [
    'sampling: temperature (capped at 1), top_p, stop as a string, stream, user',
    {
      max_tokens: 5,
      temperature: 1.6,
      top_p: 0.9,
      stop: 'END',
      stream: true,
      user: 'u-1',
      messages: [user('x')],
    },
    {
      max_tokens: 5,
      temperature: 1,
      top_p: 0.9,
      stop_sequences: ['END'],
      stream: true,
      metadata: { user_id: 'u-1' },
      messages: [{ role: 'user', content: 'x' }],
    },
  ],
  [
    'temperature within range passes, stop as a list, stream false and nulls are dropped',
    {
      max_tokens: 5,
      temperature: 0.2,
      stop: ['a', 'b'],
      stream: false,
      top_p: null,
      user: null,
      tools: null,
      messages: [user('x')],
    },
    {
      max_tokens: 5,
      temperature: 0.2,
      stop_sequences: ['a', 'b'],
      messages: [{ role: 'user', content: 'x' }],
    },
  ],
  [
    'multi-part content: text and a data-URL image (image/jpg read as image/jpeg)',
    {
      max_tokens: 5,
      messages: [
        user([
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'high' } },
          { type: 'image_url', image_url: { url: `data:image/jpg;base64,${PNG}` } },
        ]),
      ],
    },
    {
      max_tokens: 5,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: PNG } },
          ],
        },
      ],
    },
  ],
  [
    'tools, tool_choice auto, parameters kept as the input schema',
    {
      max_tokens: 5,
      messages: [user('Weather?')],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
        { type: 'function', function: { name: 'now' } },
      ],
      tool_choice: 'auto',
    },
    {
      max_tokens: 5,
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [
        {
          name: 'get_weather',
          description: 'Weather for a city',
          input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
        { name: 'now', input_schema: { type: 'object' } },
      ],
      tool_choice: { type: 'auto' },
    },
  ],
  [
    'tool_choice required → any, with parallel_tool_calls false',
    {
      max_tokens: 5,
      messages: [user('x')],
      tools: [{ type: 'function', function: { name: 't' } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
    },
    {
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ name: 't', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    },
  ],
  [
    'a named function → tool; tool_choice none → none',
    {
      max_tokens: 5,
      messages: [user('x')],
      tools: [{ type: 'function', function: { name: 't' } }],
      tool_choice: { type: 'function', function: { name: 't' } },
    },
    {
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ name: 't', input_schema: { type: 'object' } }],
      tool_choice: { type: 'tool', name: 't' },
    },
  ],
  [
    'tool_choice none',
    {
      max_tokens: 5,
      messages: [user('x')],
      tools: [{ type: 'function', function: { name: 't' } }],
      tool_choice: 'none',
    },
    {
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ name: 't', input_schema: { type: 'object' } }],
      tool_choice: { type: 'none' },
    },
  ],
  [
    'parallel_tool_calls false alone → auto without parallel use; tool_choice without tools is dropped',
    {
      max_tokens: 5,
      messages: [user('x')],
      tools: [{ type: 'function', function: { name: 't' } }],
      parallel_tool_calls: false,
    },
    {
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ name: 't', input_schema: { type: 'object' } }],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    },
  ],
  [
    'a tool round trip: tool_calls → tool_use, tool messages → one user turn of tool_result blocks',
    {
      max_tokens: 5,
      messages: [
        user('Weather in Oslo and Rome?'),
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
            },
            { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'Rain, 8 °C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'Sun, 24 °C' }] },
        user('Thanks!'),
      ],
    },
    {
      max_tokens: 5,
      messages: [
        { role: 'user', content: 'Weather in Oslo and Rome?' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Oslo' } },
            { type: 'tool_use', id: 'call_2', name: 'get_weather', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: 'Rain, 8 °C' },
            { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: 'Sun, 24 °C' }] },
            { type: 'text', text: 'Thanks!' },
          ],
        },
      ],
    },
  ],
  [
    'assistant text beside tool calls, null content, refusal parts, and a trailing assistant prefill',
    {
      max_tokens: 5,
      messages: [
        user('a'),
        {
          role: 'assistant',
          content: 'Let me look.',
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c', content: 'ok' },
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] },
        user('b'),
        { role: 'assistant', content: null, refusal: 'Still no.' },
      ],
    },
    {
      max_tokens: 5,
      messages: [
        { role: 'user', content: 'a' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me look.' },
            { type: 'tool_use', id: 'c', name: 'f', input: {} },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c', content: 'ok' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'No.' }] },
        { role: 'user', content: 'b' },
        { role: 'assistant', content: [{ type: 'text', text: 'Still no.' }] },
      ],
    },
  ],
  [
    'unknown and ignorable fields (penalties, seed, store, metadata) do not reach the upstream',
    {
      max_tokens: 5,
      messages: [user('x')],
      frequency_penalty: 0.5,
      presence_penalty: 0.5,
      seed: 7,
      store: true,
      metadata: { a: 'b' },
      response_format: { type: 'text' },
      n: 1,
      logprobs: false,
      vendor_extension: { anything: true },
    },
    { max_tokens: 5, messages: [{ role: 'user', content: 'x' }] },
  ],
];

describe('requestToAnthropic', () => {
  it.each(CASES)('%s', (_name, request, expected) => {
    expect(map(request)).toStrictEqual({ ...base, ...expected });
  });

  it('forwards http(s) image URLs as url sources only when allowed', () => {
    const request = {
      max_tokens: 5,
      messages: [user([{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }])],
    };
    expect(map(request, { remoteImages: 'forward' }).messages[0]?.content).toStrictEqual([
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
    ]);
    expect(() => map(request)).toThrow(
      /^messages\.0\.content\.0\.image_url\.url: remote image URLs are not fetched/,
    );
  });

  /** Input the Messages API cannot honour: refused with the field named first. */
  const REFUSED: Array<[string, Record<string, unknown>, string]> = [
    ['n above 1', { n: 2, messages: [user('x')] }, 'n'],
    [
      'a JSON response format',
      { response_format: { type: 'json_object' }, messages: [user('x')] },
      'response_format',
    ],
    ['log probabilities', { logprobs: true, messages: [user('x')] }, 'logprobs'],
    ['audio output', { modalities: ['text', 'audio'], messages: [user('x')] }, 'modalities'],
    [
      'a remote image URL',
      { messages: [user([{ type: 'image_url', image_url: { url: 'http://169.254.169.254/latest' } }])] },
      'messages.0.content.0.image_url.url',
    ],
    [
      'an SVG data URL',
      { messages: [user([{ type: 'image_url', image_url: { url: 'data:image/svg+xml;base64,PHN2Zz4=' } }])] },
      'messages.0.content.0.image_url.url',
    ],
    [
      'a file:// URL',
      { messages: [user([{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }])] },
      'messages.0.content.0.image_url.url',
    ],
    [
      'audio input',
      { messages: [user([{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }])] },
      'messages.0.content.0.type',
    ],
    [
      'tool call arguments that are not a JSON object',
      {
        messages: [
          user('x'),
          {
            role: 'assistant',
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }],
          },
        ],
      },
      'messages.1.tool_calls.0.function.arguments',
    ],
    [
      'tool call arguments that are not JSON',
      {
        messages: [
          user('x'),
          {
            role: 'assistant',
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{' } }],
          },
        ],
      },
      'messages.1.tool_calls.0.function.arguments',
    ],
    [
      'a deprecated function message',
      { messages: [{ role: 'function', name: 'f', content: 'x' }] },
      'messages.0.role',
    ],
    ['only system messages', { messages: [{ role: 'system', content: 'x' }] }, 'messages'],
    [
      'tool parameters that are not an object schema',
      {
        messages: [user('x')],
        tools: [{ type: 'function', function: { name: 't', parameters: { type: 'string' } } }],
      },
      'tools.0.function.parameters.type',
    ],
  ];

  it.each(REFUSED)('refuses %s, naming the field', (_name, request, field) => {
    let error: unknown;
    try {
      map(request);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message.startsWith(`${field}: `)).toBe(true);
  });

  /** Schema errors name the field too (these reach the client as 400s with `param`). */
  const MALFORMED: Array<[Record<string, unknown>, string]> = [
    [{ model: undefined, messages: [user('x')] }, 'model'],
    [{ messages: [] }, 'messages'],
    [{ messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role'],
    [{ messages: [{ role: 'user' }] }, 'messages.0.content'],
    [{ messages: [user('x')], max_tokens: 0 }, 'max_tokens'],
    [{ messages: [user('x')], max_completion_tokens: 1.5 }, 'max_completion_tokens'],
    [{ messages: [user('x')], temperature: 3 }, 'temperature'],
    [{ messages: [user('x')], stream: 'yes' }, 'stream'],
    [{ messages: [user('x')], tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'tools.0.type'],
    [{ messages: [{ role: 'tool', content: 'x' }] }, 'messages.0.tool_call_id'],
  ];

  it.each(MALFORMED)('a malformed request %j names %s', (request, field) => {
    expect(() => map(request)).toThrow(new RegExp(`^${field.replaceAll('.', '\\.')}: `));
  });
});
