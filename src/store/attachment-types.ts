/** Files attached to the web chat's questions (images and PDFs), owned by one user. */
export interface ChatAttachmentMeta {
  id: string;
  userId: string;
  /** Null from the upload until a question carries it. */
  conversationId: string | null;
  name: string;
  mediaType: string;
  size: number;
  createdAt: Date;
}

export interface ChatAttachmentRecord extends ChatAttachmentMeta {
  /** The bytes, base64. */
  data: string;
}

export interface ChatAttachmentRepository {
  insert(record: Omit<ChatAttachmentRecord, 'createdAt'>): Promise<ChatAttachmentMeta>;
  /** With its bytes, only when the user owns it. */
  getOwned(id: string, userId: string): Promise<ChatAttachmentRecord | undefined>;
  /** With their bytes, those of the ids the user owns (in no particular order). */
  listOwned(ids: readonly string[], userId: string): Promise<ChatAttachmentRecord[]>;
  /**
   * Ties unclaimed attachments of the user to a conversation, all or none (one transaction):
   * undefined when an id is missing, another user's, or already claimed.
   */
  claim(
    ids: readonly string[],
    userId: string,
    conversationId: string,
  ): Promise<ChatAttachmentMeta[] | undefined>;
  /** How many the user has uploaded and not yet sent. */
  countUnclaimed(userId: string): Promise<number>;
  /** Deletes the unclaimed ones uploaded before `before`; returns how many. */
  removeUnclaimed(before: Date): Promise<number>;
}
