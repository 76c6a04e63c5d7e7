/**
 * Full-text search over a user's own chat messages (docs/chat-history.md). Words are matched by
 * PostgreSQL's text search ('simple' configuration, websearch syntax); a query in a script that
 * the parser does not split into words (Chinese, Japanese, Korean) is matched by substring.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../errors.js';
import type {
  ConversationHistoryRepository,
  MessageSearchCursor,
  MessageSearchHit,
  MessageSearchMatch,
} from '../store/types.js';
import { scanMessages } from './conversation-scan.js';
import { parseInput } from './parse-input.js';
import { queryWords, snippetOf, substringPattern, wordPattern, type Snippet } from './search-snippet.js';

const QUERY_MAX = 200;
const TERMS_MAX = 8;
const PAGE_MAX = 50;
const PAGE_DEFAULT = 20;

export const searchQueryInput = z.strictObject({
  q: z.string().max(QUERY_MAX).optional(),
  limit: z.coerce.number().int().min(1).max(PAGE_MAX).optional(),
  cursor: z.string().max(300).optional(),
});

export interface SearchResultView {
  conversationId: string;
  conversationTitle: string | null;
  messageId: string;
  role: 'user' | 'assistant';
  createdAt: string;
  snippet: Snippet;
}

export interface SearchPageView {
  data: SearchResultView[];
  /** How the query was matched: as words, or by substring (CJK). Null for an empty query. */
  match: MessageSearchMatch['kind'] | null;
  next_cursor: string | null;
  /** Only when searching by scan (sealed conversations): older messages were not searched. */
  partial?: boolean;
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** The query as the store matches it; undefined when there is nothing to search for. */
export function matchOf(query: string): MessageSearchMatch | undefined {
  const trimmed = query.trim();
  if (trimmed === '') return undefined;
  if (!CJK.test(trimmed)) return { kind: 'words', query: trimmed };
  // Quotes group words in websearch syntax; for substrings they would only get in the way.
  const terms = [
    ...new Set(trimmed.split(/\s+/).map((t) => t.replace(/^["'“”‘’「」]+|["'“”‘’「」]+$/gu, ''))),
  ]
    .filter((t) => t !== '')
    .slice(0, TERMS_MAX);
  return terms.length === 0 ? undefined : { kind: 'substring', terms };
}

export function encodeCursor(hit: MessageSearchHit): string {
  return Buffer.from(JSON.stringify([hit.rank, hit.createdAt.toISOString(), hit.messageId])).toString(
    'base64url',
  );
}

const cursorShape = z.tuple([z.number().finite(), z.iso.datetime(), z.uuid()]);

export function decodeCursor(cursor: string): MessageSearchCursor {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = cursorShape.safeParse(raw);
  if (!parsed.success) throw new InvalidRequestError('cursor: not a cursor this search returned.');
  const [rank, at, messageId] = parsed.data;
  return { rank, createdAt: new Date(at), messageId };
}

/** Messages a scanning search opens at most per request (docs/conversation-encryption.md). */
export const SCAN_MAX = 5_000;

export class ConversationSearchService {
  constructor(
    private readonly repository: ConversationHistoryRepository,
    /** Set when conversations are sealed: search by scanning the newest messages in the server. */
    private readonly scan?: { max: number },
  ) {}

  async search(userId: string, raw: unknown): Promise<SearchPageView> {
    const input = parseInput(searchQueryInput, raw ?? {});
    const match = matchOf(input.q ?? '');
    if (!match) return { data: [], match: null, next_cursor: null };
    const limit = input.limit ?? PAGE_DEFAULT;
    const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
    // One more than asked tells whether another page exists.
    const wanted = { limit: limit + 1, ...(after ? { after } : {}) };
    const scanned = this.scan && (await scanMessages(this.repository, userId, match, wanted, this.scan.max));
    const hits = scanned ? scanned.hits : await this.repository.search(userId, match, wanted);
    const page = hits.slice(0, limit);
    const last = page.at(-1);
    const pattern =
      match.kind === 'words' ? wordPattern(queryWords(match.query)) : substringPattern(match.terms);
    return {
      data: page.map((hit) => ({
        conversationId: hit.conversationId,
        conversationTitle: hit.conversationTitle,
        messageId: hit.messageId,
        role: hit.role,
        createdAt: hit.createdAt.toISOString(),
        snippet: snippetOf(hit.text, pattern),
      })),
      match: match.kind,
      next_cursor: hits.length > limit && last ? encodeCursor(last) : null,
      ...(scanned ? { partial: scanned.partial } : {}),
    };
  }
}
