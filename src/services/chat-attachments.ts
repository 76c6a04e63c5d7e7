/**
 * Files for the web chat's questions. Uploaded over HTTP first (raw bytes, checked by size and by
 * their first bytes), then named by id in a socket `send`, which claims them for its conversation;
 * the answer's turns carry them to the upstream as `image` / `document` blocks. Unsent uploads are
 * swept after UNCLAIMED_TTL_MS. See docs/web-chat-resume-uploads.md.
 */
import { randomUUID } from 'node:crypto';
import { InvalidRequestError, NotFoundError, SwitchyardError } from '../errors.js';
import type { ChatAttachmentMeta, ChatAttachmentRecord, ChatAttachmentRepository } from '../store/types.js';
import {
  cleanFileName,
  isAttachmentMediaType,
  isImageMediaType,
  mediaTypeOf,
  MEDIA_TYPE_NAMES,
  sizeText,
  sniffMediaType,
  type AttachmentMediaType,
} from './attachment-media.js';
import type { AttachmentRef } from './conversation-types.js';

export interface AttachmentLimits {
  imageMaxBytes: number;
  pdfMaxBytes: number;
}

/** Uploads one user may hold without sending them (each up to the size limit). */
export const MAX_UNCLAIMED = 10;
/** Unsent uploads older than this are deleted by the sweep. */
export const UNCLAIMED_TTL_MS = 60 * 60 * 1000;

export const refOf = (meta: ChatAttachmentMeta): AttachmentRef => ({
  id: meta.id,
  name: meta.name,
  mediaType: meta.mediaType,
  size: meta.size,
});

export class ChatAttachmentsService {
  constructor(
    private readonly repository: ChatAttachmentRepository,
    readonly limits: AttachmentLimits,
  ) {}

  /** The largest body the upload route must read: the larger limit. */
  get maxBytes(): number {
    return Math.max(this.limits.imageMaxBytes, this.limits.pdfMaxBytes);
  }

  /**
   * What can be told from the headers alone, before the body is read: the declared type is one
   * that can be attached, and the declared length is within its limit.
   */
  checkDeclared(contentType: string | undefined, contentLength: number): AttachmentMediaType {
    const declared = mediaTypeOf(contentType);
    if (!isAttachmentMediaType(declared)) {
      throw new SwitchyardError(
        'invalid_request_error',
        `Only PNG, JPEG, GIF and WebP images and PDF documents can be attached (the file was sent as '${declared || 'no type'}').`,
        { status: 415 },
      );
    }
    this.checkSize(declared, contentLength);
    return declared;
  }

  private checkSize(mediaType: AttachmentMediaType, bytes: number): void {
    const limit = isImageMediaType(mediaType) ? this.limits.imageMaxBytes : this.limits.pdfMaxBytes;
    if (bytes > limit) {
      throw new SwitchyardError(
        'request_too_large',
        `The ${MEDIA_TYPE_NAMES[mediaType]} is ${sizeText(bytes)}; at most ${sizeText(limit)} can be attached.`,
      );
    }
  }

  async upload(
    userId: string,
    contentType: string | undefined,
    rawName: string | undefined,
    bytes: Buffer,
  ): Promise<AttachmentRef> {
    const declared = this.checkDeclared(contentType, bytes.length);
    if (bytes.length === 0) throw new InvalidRequestError('The file is empty.');
    const actual = sniffMediaType(bytes);
    const sameFamily = actual !== undefined && isImageMediaType(actual) === isImageMediaType(declared);
    if (actual === undefined || !sameFamily) {
      throw new InvalidRequestError(
        `The file's content is not a ${MEDIA_TYPE_NAMES[declared]}` +
          (actual ? ` (it is a ${MEDIA_TYPE_NAMES[actual]}).` : ' nor another type that can be attached.'),
      );
    }
    // An image's first bytes win over its name: upstream needs the real type (a .png that is a JPEG).
    const mediaType: AttachmentMediaType = actual;
    this.checkSize(mediaType, bytes.length);
    if ((await this.repository.countUnclaimed(userId)) >= MAX_UNCLAIMED) {
      throw new SwitchyardError(
        'rate_limit_error',
        `You have ${MAX_UNCLAIMED} uploaded files not yet sent; send them, or upload again within the hour.`,
      );
    }
    const meta = await this.repository.insert({
      id: randomUUID(),
      userId,
      conversationId: null,
      name: cleanFileName(rawName, mediaType),
      mediaType,
      size: bytes.length,
      data: bytes.toString('base64'),
    });
    return refOf(meta);
  }

  async get(userId: string, id: string): Promise<ChatAttachmentRecord> {
    const found = await this.repository.getOwned(id, userId);
    if (!found) throw new NotFoundError(`No attachment with id '${id}'.`);
    return found;
  }

  /** The attachments' bytes, by id, for those the user owns. */
  async contents(userId: string, ids: readonly string[]): Promise<Map<string, ChatAttachmentRecord>> {
    if (ids.length === 0) return new Map();
    const rows = await this.repository.listOwned(ids, userId);
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** Ties a question's uploads to its conversation, in the order given; all or none. */
  async claim(userId: string, conversationId: string, ids: readonly string[]): Promise<AttachmentRef[]> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return [];
    const claimed = await this.repository.claim(wanted, userId, conversationId);
    if (!claimed) {
      throw new NotFoundError(
        'An attachment of this message was not found: it was already sent, or it expired (attach it again).',
      );
    }
    const byId = new Map(claimed.map((meta) => [meta.id, refOf(meta)]));
    return wanted.flatMap((id) => byId.get(id) ?? []);
  }

  /** Deletes uploads nobody sent within the hour. */
  sweep(now = Date.now()): Promise<number> {
    return this.repository.removeUnclaimed(new Date(now - UNCLAIMED_TTL_MS));
  }
}
