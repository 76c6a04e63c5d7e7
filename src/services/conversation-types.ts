/**
 * The web chat's conversations at the edge: request bodies, the JSON document stored per message,
 * and the views the API answers with.
 */
import { z } from 'zod';

export const TITLE_MAX = 200;
/** A chat message is typed by a person; the Messages API's own 32 MiB limit is for programs. */
export const MESSAGE_TEXT_MAX = 100_000;

const title = z.string().trim().min(1).max(TITLE_MAX);

export const newConversationInput = z.strictObject({ title: title.optional() });
export type NewConversationInput = z.infer<typeof newConversationInput>;

export const conversationPatchInput = z
  .strictObject({ title: title.optional(), pinned: z.boolean().optional() })
  .refine((patch) => patch.title !== undefined || patch.pinned !== undefined, {
    message: 'name title or pinned',
  });
export type ConversationPatchInput = z.infer<typeof conversationPatchInput>;

/** How an answer ended: in full, stopped by the user (text so far kept), or failed. */
export const ANSWER_STATES = ['complete', 'stopped', 'error'] as const;
export type AnswerState = (typeof ANSWER_STATES)[number];

/** A file a question carries: its bytes live in chat_attachments (services/chat-attachments.ts). */
export const attachmentRef = z.object({
  id: z.string(),
  name: z.string(),
  mediaType: z.string(),
  size: z.number().int().nonnegative(),
});
export type AttachmentRef = z.infer<typeof attachmentRef>;

/**
 * What conversation_messages.content holds. An object rather than bare text, so later slices can
 * add attachments without a migration; parsed on the way out, so an odd row cannot reach a client.
 */
export const storedMessageContent = z.object({
  text: z.string(),
  model: z.string().optional(),
  requestId: z.string().optional(),
  state: z.enum(ANSWER_STATES).optional(),
  stopReason: z.string().optional(),
  error: z.object({ type: z.string(), message: z.string() }).optional(),
  attachments: z.array(attachmentRef).optional(),
});
export type StoredMessageContent = z.infer<typeof storedMessageContent>;

export interface ConversationView {
  id: string;
  title: string | null;
  pinned: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ConversationMessageView {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  model: string | null;
  requestId: string | null;
  /** Null for the user's own messages. */
  state: AnswerState | null;
  error: { type: string; message: string } | null;
  /** Files the question carried (empty for answers). */
  attachments: AttachmentRef[];
  createdAt: string;
}
