import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sizeText } from '../../services/attachment-media.js';
import type { ChatAttachmentsService } from '../../services/chat-attachments.js';
import { attachmentRef } from '../../services/conversation-types.js';
import { parseInput } from '../../services/parse-input.js';
import { documented, named } from '../openapi/route-doc.js';
import { requires, signedInUserOf } from './route-policy.js';

export const uploadQuery = z.strictObject({
  /** The file's name, shown with the message (a path is cut to its last part). */
  name: z.string().max(1_000).optional(),
});

/**
 * Uploads for the web chat. The body is the file itself (Content-Type: its media type), not a
 * multipart form or base64 in the chat socket: no parser to add, no third more bytes, nothing big
 * buffered by a socket before it has authenticated, and the size is known before the body is read.
 * The socket's `send` then names the returned id (docs/web-chat-resume-uploads.md).
 */
export function registerChatAttachmentRoutes(
  app: FastifyInstance,
  attachments: ChatAttachmentsService,
): void {
  const chat = requires('chat:use');
  const userIdOf = (request: FastifyRequest) => signedInUserOf(request).user.id;
  const { imageMaxBytes, pdfMaxBytes } = attachments.limits;

  const upload = documented(
    {
      ...chat,
      bodyLimit: attachments.maxBytes,
      // Refuse a declared oversize body before reading a byte of it (the policy hook ran already;
      // the local admin token, which has no account, hears 403 first, as on every user route).
      preParsing: async (request: FastifyRequest) => {
        signedInUserOf(request);
        const length = Number(request.headers['content-length'] ?? 0);
        attachments.checkDeclared(request.headers['content-type'], Number.isFinite(length) ? length : 0);
      },
    },
    {
      userOnly: true,
      summary: 'Upload a file to attach to a chat question (PNG, JPEG, GIF, WebP image or PDF)',
      description:
        `The body is the file's bytes with its media type as Content-Type (not multipart). Checked by ` +
        `its first bytes; images up to ${sizeText(imageMaxBytes)}, PDFs up to ${sizeText(pdfMaxBytes)}. Name ` +
        "the returned id in the chat socket's send {attachments: [id]} within the hour.",
      body: null,
      query: uploadQuery,
      responses: { 201: { description: 'The stored file.', schema: named('ChatAttachment', attachmentRef) } },
    },
  );
  app.post('/api/chat/attachments', upload, async (request, reply) => {
    const { name } = parseInput(uploadQuery, request.query);
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const stored = await attachments.upload(userIdOf(request), request.headers['content-type'], name, body);
    return reply.code(201).send(stored);
  });

  const download = documented(chat, {
    userOnly: true,
    summary: 'One of your chat attachments, as the file',
    params: { id: "The attachment id (one of your own; another user's id answers 404 like a missing one)." },
    responses: {
      200: { description: 'The file, with its media type.', contentType: 'application/octet-stream' },
    },
  });
  app.get('/api/chat/attachments/:id', download, async (request, reply) => {
    const { id } = request.params as { id: string };
    const found = await attachments.get(userIdOf(request), id);
    return reply
      .header('content-type', found.mediaType)
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(found.name)}`)
      .header('cache-control', 'private, max-age=86400, immutable')
      .send(Buffer.from(found.data, 'base64'));
  });
}
