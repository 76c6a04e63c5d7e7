import { describe, expect, it } from 'vitest';
import { matchOf } from './conversation-search.js';
import { queryWords, snippetOf, substringPattern, wordPattern } from './search-snippet.js';

const marks = (s: { text: string; highlights: Array<{ start: number; end: number }> }) =>
  s.highlights.map((h) => s.text.slice(h.start, h.end));

describe('search snippets', () => {
  it('takes the words worth marking from a websearch query', () => {
    expect(queryWords('Redis "AOF rewrite" -digression or x-y foo.bar')).toEqual([
      'redis',
      'aof',
      'rewrite',
      'x-y',
      'foo.bar',
    ]);
    expect(queryWords('-"not this" -no')).toEqual([]);
  });

  it('marks whole words only, case-insensitively, in text kept verbatim', () => {
    const snippet = snippetOf('Redis, redistribute <b>REDIS</b>!', wordPattern(['redis']));
    expect(snippet.text).toBe('Redis, redistribute <b>REDIS</b>!');
    expect(marks(snippet)).toEqual(['Redis', 'REDIS']);
  });

  it('cuts a long text around the first match, on spaces, with ellipses and squeezed whitespace', () => {
    const text = `${'lorem ipsum '.repeat(40)}the\n\n   needle is here ${'dolor sit '.repeat(40)}`;
    const snippet = snippetOf(text, wordPattern(['needle']));
    expect(snippet.text.startsWith('…')).toBe(true);
    expect(snippet.text.endsWith('…')).toBe(true);
    expect(snippet.text).toContain('the needle is here');
    expect(snippet.text).not.toMatch(/\s{2}/);
    expect(snippet.text.length).toBeLessThanOrEqual(224);
    expect(
      snippet.text
        .slice(1, -1)
        .split(' ')
        .every((w) => /^(lorem|ipsum|the|needle|is|here|dolor|sit)$/.test(w)),
    ).toBe(true);
    expect(marks(snippet)).toEqual(['needle']);
  });

  it('marks substrings anywhere for CJK, longest first, in UTF-16 offsets', () => {
    const snippet = snippetOf('😀缓存穿透和缓存雪崩', substringPattern(['缓存', '缓存穿透']));
    expect(marks(snippet)).toEqual(['缓存穿透', '缓存']);
    expect(snippet.highlights[0]).toEqual({ start: 2, end: 6 });
  });

  it('shows the beginning when nothing can be marked, and treats regex characters as text', () => {
    expect(snippetOf('plain text', undefined)).toEqual({ text: 'plain text', highlights: [] });
    expect(marks(snippetOf('a (b) [c] a.b*', substringPattern(['(b)', '.b*'])))).toEqual(['(b)', '.b*']);
  });

  it('matches CJK queries by substring and the rest as words', () => {
    expect(matchOf('  ')).toBeUndefined();
    expect(matchOf('Redis "aof"')).toEqual({ kind: 'words', query: 'Redis "aof"' });
    expect(matchOf('"缓存" Redis 缓存 「雪崩」')).toEqual({
      kind: 'substring',
      terms: ['缓存', 'Redis', '雪崩'],
    });
    expect(matchOf('キャッシュ')).toEqual({ kind: 'substring', terms: ['キャッシュ'] });
    expect(matchOf('캐시')).toEqual({ kind: 'substring', terms: ['캐시'] });
  });
});
