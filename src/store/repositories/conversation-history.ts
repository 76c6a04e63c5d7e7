import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import {
  SEARCH_TEXT_MAX,
  type ConversationHistoryRepository,
  type MessageSearchMatch,
} from '../conversation-history-types.js';
import { SEARCH_CONFIG, messageSearchText, messageSearchVector } from '../message-text-sql.js';
import { chatAttachments, conversationMessages, conversations } from '../schema.js';
import { isUuid, limitOf } from './shared.js';

// eslint-disable-next-line no-control-regex -- the characters JSON escapes include the controls
const JSON_ESCAPED = /["\\\u0000-\u001f]/;
/** Rows per INSERT: bounded statements whatever the size of an import. */
const ROWS_PER_INSERT = 200;

function matchSql(match: MessageSearchMatch, content: SQL): { where: SQL; rank: SQL<number> } {
  if (match.kind === 'words') {
    const vector = messageSearchVector(content);
    const query = sql`websearch_to_tsquery(${SEARCH_CONFIG}, ${match.query})`;
    return {
      where: sql`${vector} @@ ${query}`,
      // Normalisation 1 divides by the log of the length, so long answers do not win by size alone.
      rank: sql<number>`ts_rank(${vector}, ${query}, 1)::float8`,
    };
  }
  const text = messageSearchText(content);
  // strpos, not LIKE: the terms carry no wildcards to escape.
  const where =
    and(
      ...match.terms.map((term) =>
        term.toLowerCase() === term.toUpperCase()
          ? // No case to fold (Chinese): first the document's raw JSON, a cheap scan that rules out
            // most rows, then the text proper. JSON escapes only quotes, backslashes and controls.
            JSON_ESCAPED.test(term)
            ? sql`strpos(${text}, ${term}) > 0`
            : sql`strpos(${content}::text, ${term}) > 0 and strpos(${text}, ${term}) > 0`
          : sql`strpos(lower(${text}), lower(${term})) > 0`,
      ),
    ) ?? sql`false`;
  return { where, rank: sql<number>`0::float8` };
}

export function conversationHistoryRepository(db: StoreDatabase): ConversationHistoryRepository {
  return {
    async recentMessages(userId, page) {
      if (!isUuid(userId)) return [];
      const before = page.before;
      const rows = await db
        .select({
          messageId: conversationMessages.id,
          conversationId: conversationMessages.conversationId,
          conversationTitle: conversations.title,
          role: conversationMessages.role,
          createdAt: conversationMessages.createdAt,
          content: conversationMessages.content,
        })
        .from(conversationMessages)
        .innerJoin(conversations, eq(conversations.id, conversationMessages.conversationId))
        .where(
          and(
            eq(conversations.userId, userId),
            before &&
              sql`(${conversationMessages.createdAt}, ${conversationMessages.id}) < (${before.createdAt.toISOString()}::timestamptz, ${before.messageId}::uuid)`,
          ),
        )
        .orderBy(desc(conversationMessages.createdAt), desc(conversationMessages.id))
        .limit(limitOf(page.limit));
      return rows.map((row) => ({ ...row, role: row.role === 'assistant' ? 'assistant' : 'user' }));
    },

    async search(userId, match, page) {
      if (!isUuid(userId)) return [];
      const m = matchSql(match, sql`${conversationMessages.content}`);
      const after = page.after;
      const hits = db
        .select({
          messageId: sql<string>`${conversationMessages.id}`.as('message_id'),
          conversationId: conversationMessages.conversationId,
          role: conversationMessages.role,
          createdAt: conversationMessages.createdAt,
          content: conversationMessages.content,
          title: conversations.title,
          rank: m.rank.as('rank'),
        })
        .from(conversationMessages)
        .innerJoin(conversations, eq(conversations.id, conversationMessages.conversationId))
        // The owner is part of every search: another user's messages cannot match.
        .where(and(eq(conversations.userId, userId), m.where))
        .as('hits');
      const pageRows = db
        .select()
        .from(hits)
        .where(
          after &&
            sql`(${hits.rank}, ${hits.createdAt}, ${hits.messageId}) < (${after.rank}::float8, ${after.createdAt.toISOString()}::timestamptz, ${after.messageId}::uuid)`,
        )
        .orderBy(desc(hits.rank), desc(hits.createdAt), desc(hits.messageId))
        .limit(limitOf(page.limit, 20))
        .as('page');
      // The text is only assembled for the page's rows, in an outer query.
      const rows = await db
        .select({
          messageId: pageRows.messageId,
          conversationId: pageRows.conversationId,
          conversationTitle: pageRows.title,
          role: pageRows.role,
          createdAt: pageRows.createdAt,
          rank: pageRows.rank,
          text: sql<string>`left(${messageSearchText(sql`${pageRows.content}`)}, ${SEARCH_TEXT_MAX})`,
        })
        .from(pageRows)
        .orderBy(desc(pageRows.rank), desc(pageRows.createdAt), desc(pageRows.messageId));
      return rows.map((row) => ({
        ...row,
        role: row.role === 'assistant' ? 'assistant' : 'user',
        rank: Number(row.rank),
        text: row.text ?? '',
      }));
    },

    async importConversations(userId, imported) {
      await db.transaction(async (tx) => {
        for (let start = 0; start < imported.length; start += ROWS_PER_INSERT) {
          const batch = imported.slice(start, start + ROWS_PER_INSERT);
          await tx.insert(conversations).values(batch.map((c) => ({ ...c.conversation, userId })));
        }
        const messages = imported.flatMap((c) => c.messages);
        for (let start = 0; start < messages.length; start += ROWS_PER_INSERT) {
          await tx.insert(conversationMessages).values(messages.slice(start, start + ROWS_PER_INSERT));
        }
        // One by one: each may be megabytes of base64.
        for (const attachment of imported.flatMap((c) => c.attachments)) {
          await tx.insert(chatAttachments).values({ ...attachment, userId });
        }
      });
    },
  };
}
