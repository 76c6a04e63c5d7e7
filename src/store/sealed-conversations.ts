/**
 * Conversation repositories that seal titles, messages and attachment bytes before they reach the
 * database and open them when read (docs/conversation-encryption.md). One wrapper, so no service
 * or route handles ciphertext. Reading opens sealed rows whether sealing is on or not, so turning
 * it off later, or on for a database full of plaintext, leaves every row readable.
 */
import type { ChatAttachmentRecord, ChatAttachmentRepository } from './attachment-types.js';
import type { ConversationHistoryRepository, ImportedConversation } from './conversation-history-types.js';
import type {
  ConversationMessageRecord,
  ConversationRecord,
  ConversationRepository,
} from './conversation-types.js';
import {
  envelopeOf,
  openValue,
  SealedContentError,
  sealValue,
  type ContentSealer,
  type SealedColumn,
} from './sealed-content.js';

/**
 * For searches: one row no key opens must not break every search. It matches nothing (and shows
 * no title); opening its conversation still reports it.
 */
function readable<T>(open: () => T, fallback: T): T {
  try {
    return open();
  } catch (error) {
    if (error instanceof SealedContentError) return fallback;
    throw error;
  }
}

export interface ConversationRepositories {
  conversations: ConversationRepository;
  conversationHistory: ConversationHistoryRepository;
  chatAttachments: ChatAttachmentRepository;
}

/** Seals new writes when `encrypt` is on; opens sealed reads always. */
export function sealedConversationRepositories(
  inner: ConversationRepositories,
  box: ContentSealer,
  encrypt: boolean,
  /** Told of every sealed value that does not open (for the server log: the client sees a 500). */
  onUnreadable?: (error: SealedContentError) => void,
): ConversationRepositories {
  const open = (column: SealedColumn, id: string, stored: unknown): unknown => {
    try {
      return openValue(box, column, id, stored);
    } catch (error) {
      if (error instanceof SealedContentError) onUnreadable?.(error);
      throw error;
    }
  };
  const text = (column: SealedColumn, id: string, value: string): string =>
    // A plaintext that looks sealed is sealed even when off: stored values stay unambiguous.
    encrypt || envelopeOf(column, value) !== undefined
      ? (sealValue(box, column, id, value) as string)
      : value;
  const title = (id: string, value: string | null) =>
    value === null ? null : text('conversations.title', id, value);
  const content = (id: string, value: unknown): unknown =>
    encrypt || envelopeOf('conversation_messages.content', value) !== undefined
      ? sealValue(box, 'conversation_messages.content', id, JSON.stringify(value))
      : value;

  const openTitle = (id: string, value: string | null) =>
    value === null ? null : (open('conversations.title', id, value) as string);
  const openConversation = (row: ConversationRecord): ConversationRecord => ({
    ...row,
    title: openTitle(row.id, row.title),
  });
  const openMessage = (row: ConversationMessageRecord): ConversationMessageRecord => ({
    ...row,
    content: open('conversation_messages.content', row.id, row.content),
  });
  const openFile = <T extends ChatAttachmentRecord>(row: T): T => ({
    ...row,
    data: open('chat_attachments.data', row.id, row.data) as string,
  });
  const sealImport = (c: ImportedConversation): ImportedConversation => ({
    conversation: { ...c.conversation, title: title(c.conversation.id, c.conversation.title) },
    messages: c.messages.map((m) => ({ ...m, content: content(m.id, m.content) })),
    attachments: c.attachments.map((f) => ({ ...f, data: text('chat_attachments.data', f.id, f.data) })),
  });

  const { conversations, conversationHistory, chatAttachments } = inner;
  return {
    conversations: {
      async listByUser(userId, limit) {
        return (await conversations.listByUser(userId, limit)).map(openConversation);
      },
      async getOwned(id, userId) {
        const row = await conversations.getOwned(id, userId);
        return row && openConversation(row);
      },
      async insert(conversation) {
        const row = await conversations.insert({
          ...conversation,
          title: title(conversation.id, conversation.title),
        });
        return { ...row, title: conversation.title };
      },
      async updateOwned(id, userId, patch) {
        const sealed = patch.title === undefined ? patch : { ...patch, title: title(id, patch.title) };
        const row = await conversations.updateOwned(id, userId, sealed);
        return row && openConversation(row);
      },
      removeOwned: (id, userId) => conversations.removeOwned(id, userId),
      async listMessages(conversationId, limit) {
        return (await conversations.listMessages(conversationId, limit)).map(openMessage);
      },
      async appendMessage(message) {
        const row = await conversations.appendMessage({
          ...message,
          content: content(message.id, message.content),
        });
        return { ...row, content: message.content };
      },
    },
    conversationHistory: {
      async recentMessages(userId, page) {
        return (await conversationHistory.recentMessages(userId, page)).map((row) => ({
          ...row,
          conversationTitle: readable(() => openTitle(row.conversationId, row.conversationTitle), null),
          content: readable(() => open('conversation_messages.content', row.messageId, row.content), null),
        }));
      },
      async search(userId, match, page) {
        // Sealed messages hold no text the index sees; their titles still need opening.
        return (await conversationHistory.search(userId, match, page)).map((hit) => ({
          ...hit,
          conversationTitle: readable(() => openTitle(hit.conversationId, hit.conversationTitle), null),
        }));
      },
      importConversations: (userId, imported) =>
        conversationHistory.importConversations(userId, imported.map(sealImport)),
    },
    chatAttachments: {
      insert: (record) =>
        chatAttachments.insert({ ...record, data: text('chat_attachments.data', record.id, record.data) }),
      async getOwned(id, userId) {
        const row = await chatAttachments.getOwned(id, userId);
        return row && openFile(row);
      },
      async listOwned(ids, userId) {
        return (await chatAttachments.listOwned(ids, userId)).map(openFile);
      },
      claim: (ids, userId, conversationId) => chatAttachments.claim(ids, userId, conversationId),
      countUnclaimed: (userId) => chatAttachments.countUnclaimed(userId),
      removeUnclaimed: (before) => chatAttachments.removeUnclaimed(before),
    },
  };
}
