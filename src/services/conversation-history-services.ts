import type { Store } from '../store/types.js';
import { ConversationArchiveService } from './conversation-archive.js';
import { ConversationSearchService, SCAN_MAX } from './conversation-search.js';

/** History search, export and import of the web chat (docs/chat-history.md). */
export interface ConversationHistoryServices {
  search: ConversationSearchService;
  archive: ConversationArchiveService;
}

export function conversationHistoryServices(
  store: Pick<Store, 'conversations' | 'conversationHistory' | 'chatAttachments'>,
  attachmentLimits: { imageMaxBytes: number; pdfMaxBytes: number },
  /** CONVERSATION_ENCRYPTION: the index cannot see sealed messages, so search scans. */
  encrypted = false,
): ConversationHistoryServices {
  return {
    search: new ConversationSearchService(
      store.conversationHistory,
      encrypted ? { max: SCAN_MAX } : undefined,
    ),
    archive: new ConversationArchiveService({
      conversations: store.conversations,
      history: store.conversationHistory,
      attachments: store.chatAttachments,
      attachmentLimits,
    }),
  };
}
