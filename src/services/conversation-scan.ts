/**
 * Search by scanning in the server, for CONVERSATION_ENCRYPTION (docs/conversation-encryption.md):
 * the database cannot index sealed messages, so the user's most recent messages are opened and
 * matched here, a bounded number of them, newest first.
 */
import { SEARCH_TEXT_MAX } from '../store/conversation-history-types.js';
import type {
  ConversationHistoryRepository,
  MessageSearchCursor,
  MessageSearchHit,
  MessageSearchMatch,
  RecentMessage,
} from '../store/types.js';
import { queryWords, wordPattern } from './search-snippet.js';

/** Messages read from the database per round trip. */
const BATCH = 500;

/** The searchable text of a message, as message-text-sql.ts builds it in SQL. */
export function messageTextOf(content: unknown): string {
  if (typeof content !== 'object' || content === null) return '';
  const parts: string[] = [];
  const record = content as Record<string, unknown>;
  if (!Array.isArray(content) && typeof record.text === 'string') parts.push(record.text);
  const blocks = (list: unknown[]) => {
    for (const block of list) {
      const b = block as { type?: unknown; text?: unknown } | null;
      if (b && b.type === 'text' && typeof b.text === 'string') parts.push(b.text);
    }
  };
  if (Array.isArray(content)) blocks(content);
  else for (const value of Object.values(record)) if (Array.isArray(value)) blocks(value);
  return parts.join('\n');
}

/** Excluded words of a websearch query (`-word`). */
const excludedWords = (query: string) =>
  [...query.matchAll(/(?:^|\s)-("[^"]*"?|\S+)/g)].flatMap((m) => queryWords(m[1] ?? ''));

/**
 * A predicate over message text. Words: every word of the query (`or` is not an operator here, a
 * quoted phrase counts as its words), none of the excluded ones; substring: every term.
 */
export function textMatcher(match: MessageSearchMatch): (text: string) => boolean {
  if (match.kind === 'substring') {
    const terms = match.terms.map((t) => t.toLowerCase());
    return (text) => {
      const lower = text.toLowerCase();
      return terms.every((t) => lower.includes(t));
    };
  }
  // Without the global flag a pattern keeps no state between tests, so each is compiled once.
  const compiled = (words: string[]) =>
    words.map((w) => new RegExp((wordPattern([w]) as RegExp).source, 'iu'));
  const required = compiled(queryWords(match.query));
  const excluded = compiled(excludedWords(match.query));
  return (text) =>
    required.length > 0 && required.every((p) => p.test(text)) && !excluded.some((p) => p.test(text));
}

export interface ScanResult {
  hits: MessageSearchHit[];
  /** The scan stopped at its bound before filling the page: older messages were not searched. */
  partial: boolean;
}

/** Up to `limit` matches newest first (rank 0, so cursors keep their shape), scanning at most `max`. */
export async function scanMessages(
  repository: ConversationHistoryRepository,
  userId: string,
  match: MessageSearchMatch,
  page: { limit: number; after?: MessageSearchCursor },
  max: number,
): Promise<ScanResult> {
  const matches = textMatcher(match);
  const hits: MessageSearchHit[] = [];
  let before = page.after && { createdAt: page.after.createdAt, messageId: page.after.messageId };
  let scanned = 0;
  while (hits.length < page.limit) {
    if (scanned >= max) return { hits, partial: true };
    const wanted = Math.min(BATCH, max - scanned);
    const rows: RecentMessage[] = await repository.recentMessages(userId, {
      limit: wanted,
      ...(before ? { before } : {}),
    });
    for (const row of rows) {
      const text = messageTextOf(row.content);
      if (hits.length < page.limit && matches(text)) {
        hits.push({
          messageId: row.messageId,
          conversationId: row.conversationId,
          conversationTitle: row.conversationTitle,
          role: row.role,
          createdAt: row.createdAt,
          rank: 0,
          text: text.slice(0, SEARCH_TEXT_MAX),
        });
      }
    }
    scanned += rows.length;
    const last = rows.at(-1);
    if (!last || rows.length < wanted) break;
    before = { createdAt: last.createdAt, messageId: last.messageId };
  }
  return { hits, partial: false };
}
