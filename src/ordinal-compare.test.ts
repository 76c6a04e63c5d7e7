import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareOrdinal } from './ordinal-compare.js';

describe('compareOrdinal', () => {
  it('orders ids and ISO timestamps as their characters do', () => {
    expect(['claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-opus-4-1'].sort(compareOrdinal)).toEqual([
      'claude-haiku-4-5',
      'claude-opus-4-1',
      'claude-sonnet-4-6',
    ]);
    expect(compareOrdinal('2026-01-02T00:00:00.000Z', '2025-12-31T23:59:59.999Z')).toBe(1);
    expect(compareOrdinal('same', 'same')).toBe(0);
  });

  it('is a total order consistent with equality', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (a, b, c) => {
        expect(Math.sign(compareOrdinal(a, b)) + Math.sign(compareOrdinal(b, a))).toBe(0);
        expect(compareOrdinal(a, b) === 0).toBe(a === b);
        if (compareOrdinal(a, b) <= 0 && compareOrdinal(b, c) <= 0)
          expect(compareOrdinal(a, c)).toBeLessThanOrEqual(0);
      }),
      {
        examples: [
          ['', '', ''],
          ['a', 'a', 'b'],
        ],
      },
    );
  });
});
