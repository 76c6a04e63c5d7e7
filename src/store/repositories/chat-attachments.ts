import { and, count, eq, inArray, isNull, lt } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import { chatAttachments } from '../schema.js';
import type { ChatAttachmentMeta, ChatAttachmentRepository } from '../types.js';
import { isUuid } from './shared.js';

/** Every column but the bytes: listings and claims never move them. */
const meta = {
  id: chatAttachments.id,
  userId: chatAttachments.userId,
  conversationId: chatAttachments.conversationId,
  name: chatAttachments.name,
  mediaType: chatAttachments.mediaType,
  size: chatAttachments.size,
  createdAt: chatAttachments.createdAt,
};

class ClaimRefused extends Error {}

/** Every query names the owner: another user's attachment is indistinguishable from none. */
export function chatAttachmentRepository(db: StoreDatabase): ChatAttachmentRepository {
  return {
    async insert(record) {
      const [row] = await db.insert(chatAttachments).values(record).returning(meta);
      if (!row) throw new Error('insert into chat_attachments returned no row');
      return row;
    },
    async getOwned(id, userId) {
      if (!isUuid(id) || !isUuid(userId)) return undefined;
      const [row] = await db
        .select()
        .from(chatAttachments)
        .where(and(eq(chatAttachments.id, id), eq(chatAttachments.userId, userId)));
      return row;
    },
    async listOwned(ids, userId) {
      const wanted = ids.filter(isUuid);
      if (wanted.length === 0 || !isUuid(userId)) return [];
      return db
        .select()
        .from(chatAttachments)
        .where(and(inArray(chatAttachments.id, wanted), eq(chatAttachments.userId, userId)));
    },
    async claim(ids, userId, conversationId) {
      const wanted = [...new Set(ids)];
      if (wanted.length === 0) return [];
      if (!wanted.every(isUuid) || !isUuid(userId) || !isUuid(conversationId)) return undefined;
      try {
        return await db.transaction(async (tx) => {
          const rows: ChatAttachmentMeta[] = await tx
            .update(chatAttachments)
            .set({ conversationId })
            .where(
              and(
                inArray(chatAttachments.id, wanted),
                eq(chatAttachments.userId, userId),
                isNull(chatAttachments.conversationId),
              ),
            )
            .returning(meta);
          // All or none: a partial claim would send a question without some of its files.
          if (rows.length !== wanted.length) throw new ClaimRefused();
          return rows;
        });
      } catch (error) {
        if (error instanceof ClaimRefused) return undefined;
        throw error;
      }
    },
    async countUnclaimed(userId) {
      if (!isUuid(userId)) return 0;
      const [row] = await db
        .select({ n: count() })
        .from(chatAttachments)
        .where(and(eq(chatAttachments.userId, userId), isNull(chatAttachments.conversationId)));
      return row?.n ?? 0;
    },
    async removeUnclaimed(before) {
      const rows = await db
        .delete(chatAttachments)
        .where(and(isNull(chatAttachments.conversationId), lt(chatAttachments.createdAt, before)))
        .returning({ id: chatAttachments.id });
      return rows.length;
    },
  };
}
