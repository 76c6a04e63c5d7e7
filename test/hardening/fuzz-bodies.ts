/**
 * Request bodies no route accepts, as raw bytes: a body that is valid JSON is still wrong in
 * type or shape for every schema (they all want an object with string fields, and these objects
 * never hold a string field value), so a route that reads its body must answer 4xx.
 */
import fc from 'fast-check';

export interface FuzzBody {
  kind: string;
  bytes: Buffer;
}

const text =
  (kind: string) =>
  (value: string): FuzzBody => ({ kind, bytes: Buffer.from(value, 'utf8') });

/** Field names of the real schemas, JavaScript's own property names, and random ones. */
const key = fc.oneof(
  fc.constantFrom(
    'model',
    'messages',
    'max_tokens',
    'stream',
    'name',
    'kind',
    'username',
    'password',
    'role',
    'limits',
    'models',
    'settings',
    'expiresAt',
    'userId',
    'alias',
    'displayName',
    'fallbacks',
    'constructor',
    'prototype',
    'toString',
    'valueOf',
    'hasOwnProperty',
    '__defineGetter__',
    '__lookupSetter__',
    'isPrototypeOf',
  ),
  fc.string({ maxLength: 12 }),
);

/** Any JSON value except a string, nested a little. */
const notAString: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  ),
})).value;

const wrongTopLevel = fc
  .oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.string(),
    fc.array(fc.jsonValue({ maxDepth: 2 })),
  )
  .map((value) => text('wrong top-level type')(JSON.stringify(value) ?? 'null'));

const wrongFieldTypes = fc
  .dictionary(key, notAString, { minKeys: 0, maxKeys: 6 })
  .map((value) => text('wrong field types')(JSON.stringify(value)));

/** Written as text: an object literal would have set the prototype instead of a key. */
const poisoned = fc
  .tuple(
    fc.constantFrom(
      '{"__proto__":{"polluted":true}}',
      '{"model":1,"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"a":[{"b":{"__proto__":{"polluted":true}}}]}',
      '{"settings":{"constructor":{"prototype":{"polluted":true}}}}',
      '{"__proto__":null}',
      '{"prototype":{"polluted":true},"constructor":7}',
    ),
    fc.constantFrom('', ' ', '\n'),
  )
  .map(([json, pad]) => text('prototype keys')(pad + json));

const deep = fc
  .tuple(fc.integer({ min: 1_000, max: 50_000 }), fc.constantFrom('[', '{"a":'), fc.boolean())
  .map(([depth, open, closed]) => {
    const close = open === '[' ? ']' : '}';
    return text(`nesting ${depth}`)(open.repeat(depth) + '1' + (closed ? close.repeat(depth) : ''));
  });

/** Strings around the body limit: just under it (a 4xx from validation) and just over (413). */
const huge = (limit: number) =>
  fc
    .tuple(
      fc.constantFrom('name', 'model', 'password', 'messages'),
      fc.constantFrom(-64, 1, 4_096),
      fc.integer({ min: 1, max: 64 }),
    )
    .map(([field, offset, divisor]) => {
      // Mostly smaller strings; the limit itself only now and then (it is slow on 2 cores).
      const length = divisor === 1 ? limit + offset : Math.floor(limit / (divisor * 16));
      return text(`huge string ${length}`)(
        `{"${field}":${divisor % 2 ? '"' + 'a'.repeat(length) + '"' : 1}}`,
      );
    });

/** Bytes that are not UTF-8, inside a string value and between tokens. */
const invalidUtf8 = fc
  .tuple(
    fc.constantFrom([0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf]),
    fc.boolean(),
  )
  .map(([bad, inString]) => ({
    kind: 'invalid UTF-8',
    bytes: Buffer.concat([
      Buffer.from(inString ? '{"model":7,"name":"x' : '{"model":7,'),
      Buffer.from(bad),
      Buffer.from(inString ? '"}' : '"name":1}'),
    ]),
  }));

const duplicateKeys = fc
  .tuple(fc.constantFrom('model', 'name', 'username', 'kind', 'role'), notAString, notAString)
  .map(([field, a, b]) =>
    text('duplicate keys')(`{"${field}":${JSON.stringify(a)},"${field}":${JSON.stringify(b)}}`),
  );

/** PostgreSQL stores no NUL: such a string once reached a query and answered 500. */
const withNul = fc.string({ maxLength: 8 }).map((s) => `${s}\u0000${s}`);
const nulStrings = fc
  .dictionary(key, withNul, { minKeys: 1, maxKeys: 4 })
  .map((value) => text('NUL in strings')(JSON.stringify(value)));

const broken = fc
  .constantFrom('', '{', '{"model":', '[1,', 'nul', '{"a":1}}', '\u0000', '{"a":1}garbage', '\ufeff{}')
  .map(text('not JSON'));

export const bodies = (limit: number): fc.Arbitrary<FuzzBody> =>
  fc.oneof(
    wrongTopLevel,
    wrongFieldTypes,
    poisoned,
    deep,
    huge(limit),
    invalidUtf8,
    duplicateKeys,
    nulStrings,
    broken,
  );

/** Query strings for GET routes that take filters: wrong types, NUL, repeats, huge values. */
export const queries = (names: readonly string[]): fc.Arbitrary<string> =>
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...names, '__proto__', 'constructor'), fc.string({ maxLength: 8 })),
        fc.oneof(
          fc.constantFrom(
            '-1',
            '0',
            '1e309',
            'NaN',
            'null',
            '[]',
            '{}',
            'x'.repeat(5_000),
            '%00',
            '%FF',
            '%',
          ),
          withNul.map(encodeURIComponent),
          fc.string({ maxLength: 12 }).map(encodeURIComponent),
        ),
      ),
      { minLength: 1, maxLength: 5 },
    )
    .map((pairs) => pairs.map(([name, value]) => `${encodeURIComponent(name)}=${value}`).join('&'));

/** A body the route would accept, with a value nested `depth` levels where any value may go. */
export function deepInValidEnvelope(url: string, depth: number): Buffer {
  const nested = '['.repeat(depth) + ']'.repeat(depth);
  const messages = '[{"role":"user","content":"hi"}]';
  if (url.startsWith('/v1/chat/completions')) {
    return Buffer.from(
      `{"model":"claude-sonnet-4-6","max_tokens":16,"messages":${messages},` +
        `"tools":[{"type":"function","function":{"name":"f","parameters":{"deep":${nested}}}}]}`,
    );
  }
  const maxTokens = url.endsWith('count_tokens') ? '' : '"max_tokens":16,';
  return Buffer.from(
    `{"model":"claude-sonnet-4-6",${maxTokens}"messages":${messages},"metadata":{"deep":${nested}}}`,
  );
}
