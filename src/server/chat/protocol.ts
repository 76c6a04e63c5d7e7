/**
 * The chat socket's wire format (docs/web-app.md). Client messages are parsed with these schemas;
 * server events are typed here. Every event about an answer carries its request id and a sequence
 * number counting from 0, so a later `resume {requestId, afterSeq}` can replay what a client
 * missed without changing any event.
 */
import { z } from 'zod';
import { MESSAGE_TEXT_MAX, type AnswerState } from '../../services/conversation-types.js';

/** Close codes (4000-4999 are the application's). */
export const CLOSE = {
  /** No valid `auth` message in time, or the session ended. */
  unauthenticated: 4401,
  /** The user may not chat (role, password change due). */
  forbidden: 4403,
  /** A message that is not JSON or not in the protocol. */
  protocolError: 4400,
} as const;

export const clientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auth'), token: z.string().min(1).max(4096) }),
  z.strictObject({
    type: z.literal('send'),
    /** The client's own handle for this send, echoed in `started` (and in a refusal). */
    ref: z.string().max(100).optional(),
    conversationId: z.uuid(),
    model: z.string().min(1).max(256),
    content: z.string().trim().min(1).max(MESSAGE_TEXT_MAX),
  }),
  z.strictObject({ type: z.literal('stop'), requestId: z.string().min(1).max(100) }),
  z.strictObject({ type: z.literal('ping') }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;
export type SendMessage = Extract<ClientMessage, { type: 'send' }>;

export interface ErrorInfo {
  type: string;
  message: string;
}

/** Events about one answer: `started`, then `delta`s, then exactly one of `done` or `error`. */
export type AnswerEvent =
  | {
      type: 'started';
      requestId: string;
      seq: number;
      ref: string | null;
      conversationId: string;
      userMessageId: string;
      model: string;
    }
  | { type: 'delta'; requestId: string; seq: number; text: string }
  | {
      type: 'done';
      requestId: string;
      seq: number;
      messageId: string | null;
      state: AnswerState;
      stopReason: string | null;
      usage: { inputTokens: number; outputTokens: number };
    }
  | { type: 'error'; requestId: string; seq: number; messageId: string | null; error: ErrorInfo };

/** Events about the connection itself. */
export type ConnectionEvent =
  | { type: 'ready'; user: { id: string; username: string } }
  | { type: 'pong' }
  /** A message refused before any answer started (bad send, unknown conversation, busy). */
  | { type: 'rejected'; ref: string | null; error: ErrorInfo };

export type ServerEvent = AnswerEvent | ConnectionEvent;
