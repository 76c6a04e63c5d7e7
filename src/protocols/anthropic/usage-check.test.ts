import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messageDeltaEventSchema, messageStartEventSchema, usageSchema } from './messages-schema.js';
import { checkMessageDelta, checkMessageStart, checkUsage } from './usage-check.js';

/** Values a count field may hold on a real or a broken wire, edge cases included. */
const count = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.nat(),
  fc.integer({ min: -5, max: 5 }),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, Infinity, NaN, -0, 1.5),
  fc.string({ maxLength: 3 }),
  fc.boolean(),
);
const usage = fc.oneof(
  fc.record(
    {
      input_tokens: count,
      output_tokens: count,
      cache_creation_input_tokens: count,
      cache_read_input_tokens: count,
      server_tool_use: fc.anything(),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
  fc.array(fc.nat(), { maxLength: 2 }),
);
const model = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 8 }), fc.constant(null), fc.nat());
const type = fc.constantFrom('message_start', 'message_delta', 'ping', undefined, 3);
const start = fc.oneof(
  fc.record(
    { type, message: fc.oneof(fc.record({ model, usage }, { requiredKeys: [] }), fc.anything()) },
    { requiredKeys: [] },
  ),
  fc.anything(),
);
const delta = fc.oneof(fc.record({ type, usage, delta: fc.anything() }, { requiredKeys: [] }), fc.anything());

describe('usage checks agree with the schemas', () => {
  it('checkUsage accepts exactly what usageSchema accepts, with the same counts', () => {
    fc.assert(
      fc.property(usage, (value) => {
        const zod = usageSchema.safeParse(value);
        const plain = checkUsage(value);
        expect(plain !== undefined).toBe(zod.success);
        if (zod.success && plain) {
          for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens'] as const)
            expect(plain[key]).toEqual(zod.data[key]);
          expect(plain.cache_read_input_tokens).toEqual(zod.data.cache_read_input_tokens);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('checkMessageStart accepts exactly what messageStartEventSchema accepts', () => {
    fc.assert(
      fc.property(start, (value) => {
        const zod = messageStartEventSchema.safeParse(value);
        const plain = checkMessageStart(value);
        expect(plain !== undefined).toBe(zod.success);
        if (zod.success && plain) {
          expect(plain.model).toBe(zod.data.message.model);
          expect(plain.usage.output_tokens).toEqual(zod.data.message.usage.output_tokens);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('checkMessageDelta accepts exactly what messageDeltaEventSchema accepts', () => {
    fc.assert(
      fc.property(delta, (value) => {
        const zod = messageDeltaEventSchema.safeParse(value);
        const plain = checkMessageDelta(value);
        expect(plain !== undefined).toBe(zod.success);
        if (zod.success && plain) expect(plain.usage?.output_tokens).toEqual(zod.data.usage?.output_tokens);
      }),
      { numRuns: 3_000 },
    );
  });

  it('reads real events', () => {
    const real = {
      type: 'message_start',
      message: { model: 'claude-sonnet-4-6', usage: { input_tokens: 12, output_tokens: 1 } },
    };
    expect(checkMessageStart(real)).toEqual({ model: 'claude-sonnet-4-6', usage: real.message.usage });
    expect(
      checkMessageDelta({ type: 'message_delta', usage: { output_tokens: 20 } })?.usage?.output_tokens,
    ).toBe(20);
    expect(checkMessageDelta({ type: 'message_delta', usage: { output_tokens: -1 } })).toBeUndefined();
  });
});
