/**
 * The chat socket's wire format (docs/web-app.md, docs/web-chat-resume-uploads.md). Client messages
 * are parsed with these schemas; server events are typed here. Every event about an answer carries
 * its request id and a sequence number counting from 0, so `resume {requestId, afterSeq}` replays
 * exactly what a client missed.
 */
import { z } from 'zod';
import { MESSAGE_TEXT_MAX, type AnswerState } from '../../services/conversation-types.js';

/** Files one question may carry (uploaded first: POST /api/chat/attachments). */
export const MAX_ATTACHMENTS = 5;

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
  z
    .strictObject({
      type: z.literal('send'),
      /** The client's own handle for this send, echoed in `started` (and in a refusal). */
      ref: z.string().max(100).optional(),
      conversationId: z.uuid(),
      model: z.string().min(1).max(256),
      content: z.string().trim().max(MESSAGE_TEXT_MAX),
      /** Ids of the user's uploads, each sent once. */
      attachments: z
        .array(z.uuid())
        .max(MAX_ATTACHMENTS)
        .refine((ids) => new Set(ids).size === ids.length, 'names an attachment twice')
        .optional(),
    })
    .refine((send) => send.content !== '' || (send.attachments?.length ?? 0) > 0, {
      message: 'a question needs text or an attachment',
    }),
  z.strictObject({ type: z.literal('stop'), requestId: z.string().min(1).max(100) }),
  /**
   * After a reconnect: the events of an answer after `afterSeq` (-1: all), then the rest live. By
   * request id, or by the send's `ref` when the socket dropped before `started` arrived.
   */
  z
    .strictObject({
      type: z.literal('resume'),
      requestId: z.string().min(1).max(100).optional(),
      ref: z.string().min(1).max(100).optional(),
      afterSeq: z.number().int().min(-1).max(1_000_000),
    })
    .refine((resume) => (resume.requestId === undefined) !== (resume.ref === undefined), {
      message: 'name the answer by requestId or by ref',
    }),
  z.strictObject({ type: z.literal('ping') }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;
export type SendMessage = Extract<ClientMessage, { type: 'send' }>;
export type ResumeMessage = Extract<ClientMessage, { type: 'resume' }>;

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
  | { type: 'rejected'; ref: string | null; error: ErrorInfo }
  /** A resume that cannot be served: unknown (or another user's) answer, or its events are no longer kept. */
  | { type: 'resume_failed'; requestId: string | null; ref: string | null; error: ErrorInfo };

export type ServerEvent = AnswerEvent | ConnectionEvent;
