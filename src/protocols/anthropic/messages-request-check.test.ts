import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { looseJson, mostly } from '../../../test/support/json-arbitraries.js';
import { isPlainMessagesRequest } from './messages-request-check.js';
import { messagesRequestSchema } from './messages-schema.js';

const REALISTIC: Record<string, unknown>[] = [
  {
    model: 'claude-sonnet-4-6',
    max_tokens: 256,
    stream: true,
    messages: [{ role: 'user', content: 'Compare optimistic and pessimistic locking.' }],
  },
  {
    model: 'claude-opus-4-1',
    max_tokens: 32000,
    stream: true,
    system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
    metadata: { user_id: 'user_abc_account__session_123' },
    temperature: 1,
    tools: [{ name: 'Bash', description: 'Run', input_schema: { type: 'object' } }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'List the files.' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'tu_1', name: 'Bash', input: { command: 'ls' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: 'a\nb' }] },
    ],
  },
  {
    model: 'claude-haiku-4-5',
    max_tokens: 1,
    top_p: 0.9,
    top_k: 5,
    stop_sequences: ['\n\nHuman:'],
    metadata: { user_id: null },
    messages: [{ role: 'user', content: 'x' }],
  },
];

// Values valid somewhere and invalid elsewhere, so every field sees both.
const scalar = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -0,
    1,
    -1,
    0.5,
    1.5,
    2,
    17,
    2 ** 53,
    Infinity,
    '',
    'x',
    'text',
    'user',
  ),
  fc.constantFrom('🚀'.repeat(100), 'a'.repeat(65), 'b'.repeat(257), 'c'.repeat(513)),
  fc.string({ maxLength: 6 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -5, max: 5 }),
);
const loose = looseJson(scalar, ['type', 'text', 'role', 'content', 'a']);
// Mostly the right shape, so that whole requests are often valid and each field is sometimes not.
const maybe = mostly(scalar, loose);
const block = maybe(
  fc.record(
    {
      type: maybe(fc.constantFrom('text', 'image', 'tool_use', 'tool_result')),
      text: maybe(fc.string({ maxLength: 5 })),
    },
    { requiredKeys: ['type'] },
  ),
);
const content = maybe(fc.oneof(fc.string({ maxLength: 8 }), fc.array(block, { maxLength: 3 })));
const message = maybe(
  fc.record(
    { role: maybe(fc.constantFrom('user', 'assistant', 'system', 'r'.repeat(65))), content, extra: loose },
    { requiredKeys: ['role', 'content'] },
  ),
);
const request = maybe(
  fc.record(
    {
      model: maybe(fc.constantFrom('claude-sonnet-4-6', 'claude-haiku-4-5')),
      max_tokens: maybe(fc.integer({ min: 1, max: 64000 })),
      messages: maybe(fc.array(message, { minLength: 1, maxLength: 4 })),
      system: content,
      stream: maybe(fc.boolean()),
      metadata: maybe(fc.record({ user_id: maybe(fc.string({ maxLength: 6 })), other: loose })),
      temperature: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
      top_p: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
      top_k: maybe(fc.integer({ min: 0, max: 500 })),
      stop_sequences: maybe(fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 })),
      tools: loose,
    },
    { requiredKeys: ['model', 'max_tokens', 'messages'] },
  ),
);
// What the route sees: the value after a JSON round trip.
const body = request.map((value) => JSON.parse(JSON.stringify(value)) as unknown);

describe('the Messages request fast path', () => {
  it('takes the realistic shapes, which the schema gives back unchanged', () => {
    for (const value of REALISTIC) {
      expect(isPlainMessagesRequest(value)).toBe(true);
      expect(messagesRequestSchema.parse(value)).toEqual(value);
    }
  });

  it('refuses a number JSON cannot hold, as the schema does', () => {
    const value = JSON.parse(
      '{"model":"m","max_tokens":1,"temperature":1e400,"messages":[{"role":"user","content":"x"}]}',
    ) as unknown;
    expect(messagesRequestSchema.safeParse(value).success).toBe(false);
    expect(isPlainMessagesRequest(value)).toBe(false);
  });

  it('accepts only what the schema accepts, and the schema gives the same data back', () => {
    let fast = 0;
    let accepted = 0;
    fc.assert(
      fc.property(body, (value) => {
        const parsed = messagesRequestSchema.safeParse(value);
        if (parsed.success) accepted++;
        if (!isPlainMessagesRequest(value)) return;
        fast++;
        expect(parsed.success).toBe(true);
        expect(parsed.data).toEqual(value);
      }),
      { numRuns: 3000 },
    );
    // Both outcomes were exercised, and the fast path took all but a few of what the schema accepts.
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(2700);
    expect(fast, `fast ${fast} of ${accepted}`).toBeGreaterThan(accepted * 0.9);
  });
});
