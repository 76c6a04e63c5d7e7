import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { usageSchema } from '../anthropic/messages-schema.js';
import { readMessageDelta, readMessageStart } from './stream-event-check.js';

// The schemas the translator used before these checks: the reference they must match.
const messageStart = z.looseObject({
  message: z.looseObject({
    id: z.string().optional(),
    model: z.string().optional(),
    usage: usageSchema.optional(),
  }),
});
const messageDelta = z.looseObject({
  delta: z.looseObject({ stop_reason: z.string().nullish() }).optional(),
  usage: usageSchema.optional(),
});

const count = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.nat(),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(1.5, Number.MAX_SAFE_INTEGER + 2, '3'),
);
const usage = fc.oneof(
  fc.record(
    { input_tokens: count, output_tokens: count, cache_read_input_tokens: count, other: fc.anything() },
    { requiredKeys: [] },
  ),
  fc.anything(),
);
const text = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 6 }), fc.constant(null), fc.nat());
const start = fc.oneof(
  fc.record(
    {
      type: fc.constant('message_start'),
      message: fc.oneof(fc.record({ id: text, model: text, usage }, { requiredKeys: [] }), fc.anything()),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);
const delta = fc.oneof(
  fc.record(
    {
      type: fc.constant('message_delta'),
      delta: fc.oneof(fc.record({ stop_reason: text }, { requiredKeys: [] }), fc.anything()),
      usage,
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);
/** The fields the translator reads (a copy by zod may differ elsewhere, e.g. an own `__proto__` key). */
const counts = (value: Record<string, unknown> | undefined) =>
  value && {
    input: value['input_tokens'],
    output: value['output_tokens'],
    creation: value['cache_creation_input_tokens'],
    read: value['cache_read_input_tokens'],
  };

// What the translator sees: the value after a JSON round trip.
const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value) ?? 'null') as unknown;

/**
 * Over 2,000 generated events: `read` accepts exactly what `schema` accepts, and `same` finds the
 * fields the translator uses equal in both readings.
 */
function agreesWithSchema<S extends z.ZodType, R>(
  events: fc.Arbitrary<unknown>,
  schema: S,
  read: (value: unknown) => R | undefined,
  same: (read: R | undefined, parsed: z.infer<S>) => void,
): void {
  let accepted = 0;
  fc.assert(
    fc.property(events.map(roundTrip), (value) => {
      const parsed = schema.safeParse(value);
      const mine = read(value);
      expect(mine !== undefined).toBe(parsed.success);
      if (parsed.success) {
        accepted++;
        same(mine, parsed.data);
      }
    }),
    { numRuns: 2000 },
  );
  expect(accepted).toBeGreaterThan(100);
}

describe('the translator event checks', () => {
  it('read message_start exactly as its schema does', () => {
    agreesWithSchema(start, messageStart, readMessageStart, (read, { message }) => {
      expect([read?.id, read?.model, counts(read?.usage)]).toEqual([
        message.id,
        message.model,
        counts(message.usage),
      ]);
    });
  });

  it('read message_delta exactly as its schema does', () => {
    agreesWithSchema(delta, messageDelta, readMessageDelta, (read, parsed) => {
      expect(counts(read?.usage)).toEqual(counts(parsed.usage));
      expect(read?.delta?.stop_reason).toEqual(parsed.delta?.stop_reason);
    });
  });
});
