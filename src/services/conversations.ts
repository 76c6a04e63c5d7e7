import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../errors.js';
import type {
  ConversationMessageRecord,
  ConversationRecord,
  ConversationRepository,
} from '../store/types.js';
import {
  TITLE_MAX,
  conversationPatchInput,
  newConversationInput,
  storedMessageContent,
  type AttachmentRef,
  type ConversationMessageView,
  type ConversationView,
  type StoredMessageContent,
} from './conversation-types.js';
import { parseInput } from './parse-input.js';

const LIST_LIMIT = 500;
/** Enough for any conversation a person holds in one page; older turns are not sent upstream anyway. */
const MESSAGES_LIMIT = 2_000;

export function conversationView(record: ConversationRecord): ConversationView {
  return {
    id: record.id,
    title: record.title,
    pinned: record.pinned,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

export function messageView(record: ConversationMessageRecord): ConversationMessageView {
  const parsed = storedMessageContent.safeParse(record.content);
  const content: StoredMessageContent = parsed.success ? parsed.data : { text: '' };
  return {
    id: record.id,
    role: record.role,
    text: content.text,
    model: content.model ?? null,
    requestId: content.requestId ?? null,
    state: record.role === 'assistant' ? (content.state ?? 'complete') : null,
    error: content.error ?? null,
    attachments: content.attachments ?? [],
    createdAt: record.createdAt.toISOString(),
  };
}

/** A title from the first question: its first line, cut at a word near the limit. */
export function titleFrom(text: string): string {
  const line = text.trim().split('\n', 1)[0]?.trim() ?? '';
  if (line.length <= 60) return line || 'New chat';
  const cut = line.slice(0, 60);
  const space = cut.lastIndexOf(' ');
  return `${(space > 30 ? cut.slice(0, space) : cut).slice(0, TITLE_MAX - 1)}…`;
}

/**
 * The web chat's conversations. Every method takes the owner's id and finds conversations by
 * owner and id together, so another user's conversation answers 404 like one that does not exist.
 */
export class ConversationsService {
  constructor(private readonly repository: ConversationRepository) {}

  async list(userId: string): Promise<ConversationView[]> {
    return (await this.repository.listByUser(userId, LIST_LIMIT)).map(conversationView);
  }

  async create(userId: string, raw: unknown): Promise<ConversationView> {
    const input = parseInput(newConversationInput, raw ?? {});
    const record = await this.repository.insert({
      id: randomUUID(),
      userId,
      title: input.title ?? null,
      pinned: false,
    });
    return conversationView(record);
  }

  async update(userId: string, id: string, raw: unknown): Promise<ConversationView> {
    const patch = parseInput(conversationPatchInput, raw);
    const updated = await this.repository.updateOwned(id, userId, patch);
    if (!updated) throw notFound(id);
    return conversationView(updated);
  }

  async remove(userId: string, id: string): Promise<void> {
    if (!(await this.repository.removeOwned(id, userId))) throw notFound(id);
  }

  async get(userId: string, id: string): Promise<ConversationRecord> {
    const found = await this.repository.getOwned(id, userId);
    if (!found) throw notFound(id);
    return found;
  }

  async messages(userId: string, id: string): Promise<ConversationMessageView[]> {
    await this.get(userId, id);
    return (await this.repository.listMessages(id, MESSAGES_LIMIT)).map(messageView);
  }

  /** The stored turns of a conversation the caller already owns (checked by get()). */
  async history(conversation: ConversationRecord): Promise<ConversationMessageView[]> {
    return (await this.repository.listMessages(conversation.id, MESSAGES_LIMIT)).map(messageView);
  }

  /** Stores a question; names the conversation after the first one. */
  async addQuestion(
    conversation: ConversationRecord,
    text: string,
    at: Date,
    attachments: readonly AttachmentRef[] = [],
  ): Promise<ConversationMessageView> {
    const record = await this.repository.appendMessage({
      id: randomUUID(),
      conversationId: conversation.id,
      role: 'user',
      content: {
        text,
        ...(attachments.length > 0 ? { attachments: [...attachments] } : {}),
      } satisfies StoredMessageContent,
      createdAt: at,
    });
    if (conversation.title === null) {
      const title = text.trim() === '' ? (attachments[0]?.name ?? '') : text;
      await this.repository.updateOwned(conversation.id, conversation.userId, { title: titleFrom(title) });
    }
    return messageView(record);
  }

  async addAnswer(
    conversationId: string,
    content: StoredMessageContent,
    at: Date,
  ): Promise<ConversationMessageView> {
    const record = await this.repository.appendMessage({
      id: randomUUID(),
      conversationId,
      role: 'assistant',
      content,
      createdAt: at,
    });
    return messageView(record);
  }
}

const notFound = (id: string) => new NotFoundError(`No conversation with id '${id}'.`);
