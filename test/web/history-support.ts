/** Conversations written straight into a test gateway's store, for the search and export suites. */
import { randomUUID } from 'node:crypto';
import type { Injected, Session } from '../auth/support.js';
import { bearer } from '../auth/support.js';
import type { TestGateway } from '../support/gateway.js';

export interface Seeded {
  id: string;
  messageIds: string[];
}

/** A conversation of alternating user/assistant messages, a minute apart from `start`. */
export async function seedConversation(
  gateway: TestGateway,
  userId: string,
  title: string | null,
  contents: unknown[],
  start = Date.parse('2026-03-01T10:00:00.000Z'),
): Promise<Seeded> {
  const store = gateway.runtime.store;
  const conversation = await store.conversations.insert({ id: randomUUID(), userId, title, pinned: false });
  const messageIds: string[] = [];
  for (const [i, content] of contents.entries()) {
    const id = randomUUID();
    messageIds.push(id);
    await store.conversations.appendMessage({
      id,
      conversationId: conversation.id,
      role: i % 2 === 0 ? 'user' : 'assistant',
      content,
      createdAt: new Date(start + (i + 1) * 60_000),
    });
  }
  return { id: conversation.id, messageIds };
}

/** The smallest valid PNG: what the upload and import checks accept as an image. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** A question carrying a file, stored the way the chat stores it (bytes in chat_attachments). */
export async function seedAttachment(
  gateway: TestGateway,
  userId: string,
  conversationId: string,
  name: string,
): Promise<{ id: string; name: string; mediaType: string; size: number }> {
  const meta = await gateway.runtime.store.chatAttachments.insert({
    id: randomUUID(),
    userId,
    conversationId,
    name,
    mediaType: 'image/png',
    size: PNG.length,
    data: PNG.toString('base64'),
  });
  return { id: meta.id, name: meta.name, mediaType: meta.mediaType, size: meta.size };
}

export function caller(gateway: TestGateway, session: Session) {
  return (method: 'GET' | 'POST', url: string, payload?: string | Buffer): Promise<Injected> =>
    gateway.runtime.app.inject({
      method,
      url,
      headers: {
        ...bearer(session),
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { payload }),
    }) as unknown as Promise<Injected>;
}
