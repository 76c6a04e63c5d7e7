/**
 * Search result snippets as plain text plus match ranges. The client wraps the ranges in <mark>
 * elements itself, so no markup ever travels: a message that contains HTML stays text.
 *
 * Snippets are cut here rather than by ts_headline: PostgreSQL's parser treats `<…>` as tags and
 * drops them (and everything inside <script>) from its headlines, so a snippet of code would not
 * be the text that was written. The database decides what matches; this only marks where.
 */
export interface Snippet {
  text: string;
  /** [start, end) offsets into `text`, in UTF-16 code units (JavaScript string indices), sorted. */
  highlights: Array<{ start: number; end: number }>;
}

const ELLIPSIS = '…';
const BEFORE = 60;
const LENGTH = 220;
/** How far a cut may move to land on a space instead of inside a word. */
const SNAP = 20;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const byLength = (a: string, b: string) => b.length - a.length;

/**
 * The words of a websearch query worth marking: not the excluded ones (`-word`, `-"a phrase"`),
 * not the `or` operator. The 'simple' configuration only lowercases, so a case-insensitive match
 * on word boundaries marks what the database matched.
 */
export function queryWords(query: string): string[] {
  const positive = query.replace(/(^|\s)-("[^"]*"?|\S+)/g, ' ');
  const words = positive.match(/[\p{L}\p{N}]+(?:[._-][\p{L}\p{N}]+)*/gu) ?? [];
  return [...new Set(words.map((w) => w.toLowerCase()))].filter((w) => w !== 'or');
}

/** Whole words only: `redis` marks "Redis," but not "redistribute". */
export function wordPattern(words: readonly string[]): RegExp | undefined {
  if (words.length === 0) return undefined;
  const alternatives = [...words].sort(byLength).map(escapeRegExp).join('|');
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives})(?![\\p{L}\\p{N}])`, 'giu');
}

/** Anywhere, for scripts without spaces between words. */
export function substringPattern(terms: readonly string[]): RegExp | undefined {
  if (terms.length === 0) return undefined;
  return new RegExp([...terms].sort(byLength).map(escapeRegExp).join('|'), 'giu');
}

function cutAt(text: string, index: number, direction: 1 | -1): number {
  for (let step = 0; step <= SNAP; step++) {
    const at = index + step * direction;
    if (at <= 0 || at >= text.length) return Math.max(0, Math.min(text.length, at));
    if (/\s/.test(text[at] as string)) return direction === 1 ? at + 1 : at;
  }
  return index;
}

/** The part of `text` around the first match, whitespace squeezed, every match in it marked. */
export function snippetOf(text: string, pattern: RegExp | undefined): Snippet {
  const first = pattern ? (new RegExp(pattern.source, pattern.flags).exec(text)?.index ?? 0) : 0;
  let start = Math.max(0, first - BEFORE);
  if (start > 0) start = Math.min(first, cutAt(text, start, 1));
  let end = Math.min(text.length, start + LENGTH);
  if (end < text.length) end = Math.max(first + 1, cutAt(text, end, -1));
  const body = text.slice(start, end).replace(/\s+/g, ' ').trim();
  const prefix = start > 0 ? ELLIPSIS : '';
  const snippet = `${prefix}${body}${end < text.length ? ELLIPSIS : ''}`;
  const highlights: Snippet['highlights'] = [];
  if (pattern) {
    for (const match of snippet.matchAll(new RegExp(pattern.source, pattern.flags))) {
      if (match[0].length > 0) highlights.push({ start: match.index, end: match.index + match[0].length });
    }
  }
  return { text: snippet, highlights };
}
