import { and, asc, desc, eq } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import { conversationMessages, conversations } from '../schema.js';
import type { ConversationMessageRecord, ConversationRepository } from '../types.js';
import { isUuid, limitOf } from './shared.js';

const owned = (id: string, userId: string) => and(eq(conversations.id, id), eq(conversations.userId, userId));

/** Every query names the owner: another user's conversation is indistinguishable from none. */
export function conversationRepository(db: StoreDatabase): ConversationRepository {
  return {
    async listByUser(userId, limit) {
      if (!isUuid(userId)) return [];
      return db
        .select()
        .from(conversations)
        .where(eq(conversations.userId, userId))
        .orderBy(desc(conversations.pinned), desc(conversations.updatedAt), desc(conversations.id))
        .limit(limitOf(limit));
    },
    async getOwned(id, userId) {
      if (!isUuid(id) || !isUuid(userId)) return undefined;
      const [row] = await db.select().from(conversations).where(owned(id, userId));
      return row;
    },
    async insert(conversation) {
      const [row] = await db.insert(conversations).values(conversation).returning();
      if (!row) throw new Error('insert into conversations returned no row');
      return row;
    },
    async updateOwned(id, userId, patch) {
      if (!isUuid(id) || !isUuid(userId)) return undefined;
      const [row] = await db
        .update(conversations)
        .set({ ...patch, updatedAt: new Date() })
        .where(owned(id, userId))
        .returning();
      return row;
    },
    async removeOwned(id, userId) {
      if (!isUuid(id) || !isUuid(userId)) return false;
      // Messages go with it (ON DELETE CASCADE).
      const rows = await db
        .delete(conversations)
        .where(owned(id, userId))
        .returning({ id: conversations.id });
      return rows.length > 0;
    },
    async listMessages(conversationId, limit) {
      if (!isUuid(conversationId)) return [];
      const rows = await db
        .select()
        .from(conversationMessages)
        .where(eq(conversationMessages.conversationId, conversationId))
        .orderBy(asc(conversationMessages.createdAt), asc(conversationMessages.id))
        .limit(limitOf(limit));
      return rows as ConversationMessageRecord[];
    },
    async appendMessage(message) {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(conversationMessages).values(message).returning();
        if (!row) throw new Error('insert into conversation_messages returned no row');
        await tx
          .update(conversations)
          .set({ updatedAt: message.createdAt })
          .where(eq(conversations.id, message.conversationId));
        return row as ConversationMessageRecord;
      });
    },
  };
}
