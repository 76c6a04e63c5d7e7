/** The web app's conversations and their messages. */
/** One chat conversation of the web app, owned by one user. */
export interface ConversationRecord {
  id: string;
  userId: string;
  /** Null until the first message names it (or the user does). */
  title: string | null;
  pinned: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface ConversationMessageRecord {
  id: string;
  conversationId: string;
  role: 'user' | 'assistant';
  /** The message's JSON document (services/conversation-types.ts validates its shape). */
  content: unknown;
  createdAt: Date;
}

export interface ConversationRepository {
  /** The user's conversations, pinned first, then most recently updated. */
  listByUser(userId: string, limit: number): Promise<ConversationRecord[]>;
  /** The conversation, only when the user owns it. */
  getOwned(id: string, userId: string): Promise<ConversationRecord | undefined>;
  insert(conversation: Omit<ConversationRecord, 'createdAt' | 'updatedAt'>): Promise<ConversationRecord>;
  /** Changes title or pin of a conversation the user owns; undefined when there is none. */
  updateOwned(
    id: string,
    userId: string,
    patch: Partial<Pick<ConversationRecord, 'title' | 'pinned'>>,
  ): Promise<ConversationRecord | undefined>;
  /** Deletes a conversation the user owns and its messages; false when there is none. */
  removeOwned(id: string, userId: string): Promise<boolean>;
  /** Oldest first. */
  listMessages(conversationId: string, limit: number): Promise<ConversationMessageRecord[]>;
  /**
   * Appends a message and bumps the conversation's updatedAt in one transaction. The caller sets
   * createdAt: a question and its answer may land in the same millisecond, and order must hold.
   */
  appendMessage(message: ConversationMessageRecord): Promise<ConversationMessageRecord>;
}
