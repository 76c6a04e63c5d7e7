/** Searching a user's chat history, and importing whole conversations into it. */
import type { ChatAttachmentRecord } from './attachment-types.js';
import type { ConversationMessageRecord, ConversationRecord } from './conversation-types.js';

/**
 * How messages match. `words`: PostgreSQL full-text search, the query in websearch syntax
 * (quoted phrases, `or`, `-word`), never raw tsquery syntax. `substring`: every term appears in
 * the text, case-insensitively; for scripts the text-search parser does not split into words.
 */
export type MessageSearchMatch = { kind: 'words'; query: string } | { kind: 'substring'; terms: string[] };

/** Where the previous page ended: results are ordered by rank, then newest first. */
export interface MessageSearchCursor {
  rank: number;
  createdAt: Date;
  messageId: string;
}

export interface MessageSearchHit {
  messageId: string;
  conversationId: string;
  conversationTitle: string | null;
  role: 'user' | 'assistant';
  createdAt: Date;
  /** Higher is better; 0 for substring matches (ordered newest first). */
  rank: number;
  /** The searchable text (see message-text-sql.ts), cut at SEARCH_TEXT_MAX characters. */
  text: string;
}

/** More than a snippet ever needs, bounded for messages of imported megabytes. */
export const SEARCH_TEXT_MAX = 200_000;

/** One conversation to import, with new ids already minted (the messages' in their order). */
export interface ImportedConversation {
  conversation: Omit<ConversationRecord, 'userId'>;
  messages: ConversationMessageRecord[];
  /** The files its questions carry, already claimed by the conversation. */
  attachments: Array<Omit<ChatAttachmentRecord, 'userId'>>;
}

/** A message with its conversation's title, for searches that scan in the server. */
export interface RecentMessage {
  messageId: string;
  conversationId: string;
  conversationTitle: string | null;
  role: 'user' | 'assistant';
  createdAt: Date;
  content: unknown;
}

export interface ConversationHistoryRepository {
  /** The user's own messages, newest first, those older than `before` (a keyset page). */
  recentMessages(
    userId: string,
    page: { limit: number; before?: { createdAt: Date; messageId: string } },
  ): Promise<RecentMessage[]>;
  /** The user's own messages that match, best first; never another user's. */
  search(
    userId: string,
    match: MessageSearchMatch,
    page: { limit: number; after?: MessageSearchCursor },
  ): Promise<MessageSearchHit[]>;
  /** Inserts the conversations, their messages and files for the user, all in one transaction. */
  importConversations(userId: string, conversations: readonly ImportedConversation[]): Promise<void>;
}
