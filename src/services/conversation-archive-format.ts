/**
 * The conversations export file (docs/chat-history.md): versioned JSON that holds each message's
 * stored content verbatim and the bytes of the files the questions carried, so an export imports
 * back to the same conversations. Import validates against these schemas before anything is stored.
 */
import { z } from 'zod';
import { DOCUMENT_MEDIA_TYPES, IMAGE_MEDIA_TYPES } from './attachment-media.js';
import { attachmentRef, storedMessageContent, TITLE_MAX } from './conversation-types.js';

export const ARCHIVE_FORMAT = 'switchyard.conversations';
export const ARCHIVE_VERSION = 1;

/** Caps on one import; the route's body limit caps its bytes (IMPORT_BODY_LIMIT). */
export const IMPORT_LIMITS = {
  conversations: 1_000,
  /** What the chat lists of one conversation (ConversationsService's page). */
  messagesPerConversation: 2_000,
  attachmentsPerMessage: 20,
  /** Far above every answer (8192 tokens) or question (100 000 characters). */
  textCharacters: 1_000_000,
} as const;
/** JSON with attachments in base64 is large; bounded so one request cannot hold the heap. */
export const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;

const timestamp = z.iso.datetime({ offset: true });
// eslint-disable-next-line no-control-regex -- control characters are what a file name may not hold
const FILE_NAME = /^[^\u0000-\u001f\u007f/\\]+$/;
const fileName = z.string().min(1).max(200).regex(FILE_NAME, 'must be a file name');
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A message's content: exactly what the chat stores (services/conversation-types.ts), with caps.
 * Unknown fields are refused: nothing unvalidated reaches the database.
 */
export const archivedContent = z.strictObject({
  ...storedMessageContent.shape,
  text: z.string().max(IMPORT_LIMITS.textCharacters),
  attachments: z
    .array(z.strictObject({ ...attachmentRef.shape, id: z.string().min(1).max(100), name: fileName }))
    .max(IMPORT_LIMITS.attachmentsPerMessage)
    .optional(),
});

export const archivedMessage = z.strictObject({
  role: z.enum(['user', 'assistant']),
  content: archivedContent,
  createdAt: timestamp,
});

export const archivedAttachment = z.strictObject({
  id: z.string().min(1).max(100),
  name: fileName,
  mediaType: z.enum([...IMAGE_MEDIA_TYPES, ...DOCUMENT_MEDIA_TYPES]),
  size: z.number().int().min(1),
  createdAt: timestamp,
  data: z.string().regex(BASE64, 'must be base64').min(4),
});

export const archivedConversation = z.strictObject({
  /** The id it had where it was exported; an import always makes new ones. */
  id: z.string().max(100).optional(),
  title: z.string().trim().min(1).max(TITLE_MAX).nullable(),
  pinned: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
  messages: z.array(archivedMessage).max(IMPORT_LIMITS.messagesPerConversation),
  /** The files the messages name in `content.attachments`, with their bytes. */
  attachments: z.array(archivedAttachment).optional(),
});
export type ArchivedConversation = z.infer<typeof archivedConversation>;

/** A conversation as an export writes it: what the store holds, not yet checked like an import. */
export interface ExportedConversation {
  id: string;
  title: string | null;
  pinned: boolean;
  createdAt: string;
  updatedAt: string;
  messages: Array<{ role: 'user' | 'assistant'; content: unknown; createdAt: string }>;
  attachments?: Array<{
    id: string;
    name: string;
    mediaType: string;
    size: number;
    createdAt: string;
    data: string;
  }>;
}
export type ArchivedAttachment = z.infer<typeof archivedAttachment>;
export type ArchivedMessage = z.infer<typeof archivedMessage>;

/**
 * The envelope, checked first and as a whole; each conversation is then checked on its own, so
 * one bad conversation is reported and skipped instead of failing the rest.
 */
export const archiveEnvelope = z.strictObject({
  format: z.literal(ARCHIVE_FORMAT, {
    error: `not a Switchyard conversations export (format must be '${ARCHIVE_FORMAT}')`,
  }),
  version: z.literal(ARCHIVE_VERSION, {
    error: `this server reads version ${ARCHIVE_VERSION} of the export format`,
  }),
  exportedAt: timestamp.optional(),
  conversations: z
    .array(z.unknown())
    .min(1, 'the file holds no conversations')
    .max(IMPORT_LIMITS.conversations, `at most ${IMPORT_LIMITS.conversations} conversations per import`),
});

/** The import's body, as documented (the envelope with full conversations). */
export const archiveDocument = archiveEnvelope.extend({
  conversations: z.array(archivedConversation).min(1).max(IMPORT_LIMITS.conversations),
});

export interface ImportReport {
  imported: { conversations: number; messages: number; attachments: number };
  /** The new conversations, by their index in the file. */
  conversations: Array<{ index: number; id: string; title: string | null; messages: number }>;
  skipped: Array<{ index: number; title: string | null; reason: string }>;
}
