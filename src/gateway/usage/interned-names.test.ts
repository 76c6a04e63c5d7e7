import { describe, expect, it } from 'vitest';
import { InternedNames } from './interned-names.js';

describe('InternedNames', () => {
  it('gives back the same name, also past its bound', () => {
    const names = new InternedNames();
    const body = '{"model":"claude-sonnet-4-6","x":1}';
    const first = names.of(body.slice(10, 27));
    expect(first).toBe('claude-sonnet-4-6');
    expect(names.of('claude-' + 'sonnet-4-6')).toBe(first);
    for (let i = 0; i < 1100; i++) expect(names.of(`m-${i}`)).toBe(`m-${i}`);
    expect(names.of('claude-sonnet-4-6')).toBe(first);
  });
});
