/**
 * How conversation content looks when sealed with the master key (docs/conversation-encryption.md).
 * A title or an attachment's base64 is `sealed:<envelope>`; a message's JSON document is
 * `{"sealed": "<envelope>"}`. A plaintext message always has `text`, base64 has no `:`, and a
 * plaintext title that starts with `sealed:` is itself always sealed on write, so a stored value
 * is sealed exactly when it has this shape.
 *
 * The associated data names the column and the row: an envelope copied to another row, or from a
 * title into a message, fails to open.
 */
import { ApiError } from '../errors.js';

/** The master key's secret box, as far as stored content needs it. */
export interface ContentSealer {
  seal(plaintext: string, associatedData: string): string;
  open(envelope: string, associatedData: string): string;
}

export type SealedColumn = 'conversations.title' | 'conversation_messages.content' | 'chat_attachments.data';

export const SEALED_TEXT_PREFIX = 'sealed:';

export const associatedDataOf = (column: SealedColumn, rowId: string) => `${column}:${rowId}`;

export const isSealedText = (value: string): boolean => value.startsWith(SEALED_TEXT_PREFIX);

export function isSealedContent(content: unknown): content is { sealed: string } {
  if (typeof content !== 'object' || content === null || Array.isArray(content)) return false;
  const keys = Object.keys(content);
  return (
    keys.length === 1 && keys[0] === 'sealed' && typeof (content as { sealed: unknown }).sealed === 'string'
  );
}

/** The envelope inside a stored value, or undefined for plaintext. */
export function envelopeOf(column: SealedColumn, stored: unknown): string | undefined {
  if (column === 'conversation_messages.content') return isSealedContent(stored) ? stored.sealed : undefined;
  return typeof stored === 'string' && isSealedText(stored)
    ? stored.slice(SEALED_TEXT_PREFIX.length)
    : undefined;
}

/** A stored value holding this envelope. */
export function storedOf(column: SealedColumn, envelope: string): string | { sealed: string } {
  return column === 'conversation_messages.content'
    ? { sealed: envelope }
    : `${SEALED_TEXT_PREFIX}${envelope}`;
}

/**
 * Sealed content no key held opens, or that was moved to another row. The owner sees a 500 that
 * names the row; the conversation is not lost if the right key comes back.
 */
export class SealedContentError extends ApiError {
  constructor(column: SealedColumn, rowId: string, cause: unknown) {
    super(
      `Stored conversation content (${column} of ${rowId}) cannot be decrypted with the master keys this server holds.`,
      cause,
    );
  }
}

export function sealValue(box: ContentSealer, column: SealedColumn, rowId: string, plaintext: string) {
  return storedOf(column, box.seal(plaintext, associatedDataOf(column, rowId)));
}

/** The plaintext of a stored value (sealed or not): JSON text for a message's document. */
export function openValue(box: ContentSealer, column: SealedColumn, rowId: string, stored: unknown): unknown {
  const envelope = envelopeOf(column, stored);
  if (envelope === undefined) return stored;
  let plaintext: string;
  try {
    plaintext = box.open(envelope, associatedDataOf(column, rowId));
  } catch (error) {
    throw new SealedContentError(column, rowId, error);
  }
  return column === 'conversation_messages.content' ? (JSON.parse(plaintext) as unknown) : plaintext;
}
