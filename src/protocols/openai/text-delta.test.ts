import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { textDeltaLiteral } from './text-delta.js';

const event = (text: string, index = 0) =>
  JSON.stringify({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });

describe('textDeltaLiteral', () => {
  it('is the JSON literal of the delta text, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat(1000), (text, index) => {
        const literal = textDeltaLiteral(event(text, index));
        expect(literal).toBeDefined();
        expect(JSON.parse(literal as string)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('declines every other shape, so the caller parses in full', () => {
    for (const data of [
      JSON.stringify({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '{}' },
      }),
      JSON.stringify({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'a', extra: 1 },
      }),
      JSON.stringify({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'a' }, index: 0 }),
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a","b":"c"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\\"}}',
      '{"type":"content_block_delta","index":,"delta":{"type":"text_delta","text":"a"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\nb"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}} ',
    ]) {
      expect(textDeltaLiteral(data), data).toBeUndefined();
    }
  });

  it('never returns a literal that is not one JSON string (arbitrary input)', () => {
    fc.assert(
      fc.property(fc.string(), (tail) => {
        const literal = textDeltaLiteral(
          `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${tail}`,
        );
        if (literal !== undefined) expect(typeof JSON.parse(literal)).toBe('string');
      }),
      { numRuns: 5000 },
    );
  });
});
