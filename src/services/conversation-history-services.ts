import type { Store } from '../store/types.js';
import { ConversationArchiveService } from './conversation-archive.js';
import { ConversationSearchService } from './conversation-search.js';

/** History search, export and import of the web chat (docs/chat-history.md). */
export interface ConversationHistoryServices {
  search: ConversationSearchService;
  archive: ConversationArchiveService;
}

export function conversationHistoryServices(
  store: Pick<Store, 'conversations' | 'conversationHistory' | 'chatAttachments'>,
  attachmentLimits: { imageMaxBytes: number; pdfMaxBytes: number },
): ConversationHistoryServices {
  return {
    search: new ConversationSearchService(store.conversationHistory),
    archive: new ConversationArchiveService({
      conversations: store.conversations,
      history: store.conversationHistory,
      attachments: store.chatAttachments,
      attachmentLimits,
    }),
  };
}
