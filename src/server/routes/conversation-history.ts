import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Logger } from '../../observability/logger.js';
import type { ConversationArchiveService } from '../../services/conversation-archive.js';
import {
  archiveDocument,
  IMPORT_BODY_LIMIT,
  IMPORT_LIMITS,
  type ImportReport,
} from '../../services/conversation-archive-format.js';
import {
  searchQueryInput,
  type ConversationSearchService,
  type SearchPageView,
} from '../../services/conversation-search.js';
import { parseInput } from '../../services/parse-input.js';
import { contentDisposition } from '../content-disposition.js';
import { parseJsonBody } from '../json-body.js';
import { documented, named } from '../openapi/route-doc.js';
import { requires, signedInUserOf } from './route-policy.js';

export const exportQueryInput = z.strictObject({
  format: z.enum(['json', 'markdown']).default('json'),
});

const range = z.object({ start: z.number().int(), end: z.number().int() });
const searchPage: z.ZodType<SearchPageView> = z.object({
  data: z.array(
    z.object({
      conversationId: z.string(),
      conversationTitle: z.string().nullable(),
      messageId: z.string(),
      role: z.enum(['user', 'assistant']),
      createdAt: z.string(),
      snippet: z.object({ text: z.string(), highlights: z.array(range) }),
    }),
  ),
  match: z.enum(['words', 'substring']).nullable(),
  next_cursor: z.string().nullable(),
  partial: z.boolean().optional(),
});
const importReport: z.ZodType<ImportReport> = z.object({
  imported: z.object({ conversations: z.number(), messages: z.number(), attachments: z.number() }),
  conversations: z.array(
    z.object({ index: z.number(), id: z.string(), title: z.string().nullable(), messages: z.number() }),
  ),
  skipped: z.array(z.object({ index: z.number(), title: z.string().nullable(), reason: z.string() })),
});

export interface ConversationHistoryRouteDeps {
  search: ConversationSearchService;
  archive: ConversationArchiveService;
  logger: Logger;
}

/**
 * History search, export and import over the caller's own conversations (docs/chat-history.md).
 * Registered before `/api/conversations/:id…` routes need not care: these paths are static.
 */
export function registerConversationHistoryRoutes(
  app: FastifyInstance,
  deps: ConversationHistoryRouteDeps,
): void {
  const chat = requires('chat:use');
  const userIdOf = (request: FastifyRequest) => signedInUserOf(request).user.id;

  app.get(
    '/api/conversations/search',
    documented(chat, {
      userOnly: true,
      summary: 'Search the text of your own messages',
      description:
        'Words match by full-text search (quoted phrases, `or`, `-word`); a query with Chinese, Japanese or Korean characters matches each space-separated term as a substring. Best matches first. Snippets are plain text; `highlights` are [start, end) offsets of the matches in UTF-16 code units. An empty `q` answers an empty page.',
      query: searchQueryInput,
      responses: {
        200: { description: 'One page of results.', schema: named('ConversationSearchPage', searchPage) },
      },
    }),
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      return deps.search.search(userIdOf(request), request.query);
    },
  );

  const exportAnswer = async (id: string | undefined, request: FastifyRequest, reply: FastifyReply) => {
    const { format } = parseInput(exportQueryInput, request.query ?? {});
    const stream = await deps.archive.export(userIdOf(request), id, format);
    const body = Readable.from(stream.chunks);
    body.on('error', (error) =>
      deps.logger.error({ err: error, requestId: request.id }, 'conversation export failed'),
    );
    return reply
      .type(stream.contentType)
      .header('content-disposition', contentDisposition(stream.fileName))
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(body);
  };
  const exportResponses = {
    200: {
      description:
        'A file: JSON (`format=json`, the import format) or Markdown (`format=markdown`, to read), as an attachment.',
      contentType: 'application/json',
    },
  };
  app.get(
    '/api/conversations/export',
    documented(chat, {
      userOnly: true,
      summary: 'Export all your conversations',
      query: exportQueryInput,
      responses: exportResponses,
    }),
    (request, reply) => exportAnswer(undefined, request, reply),
  );
  app.get(
    '/api/conversations/:id/export',
    documented(chat, {
      userOnly: true,
      summary: 'Export one of your conversations',
      params: { id: 'The conversation id (one of your own; every other id answers 404).' },
      query: exportQueryInput,
      responses: exportResponses,
    }),
    (request, reply) => exportAnswer((request.params as { id: string }).id, request, reply),
  );

  app.post(
    '/api/conversations/import',
    documented(
      { ...chat, bodyLimit: IMPORT_BODY_LIMIT },
      {
        userOnly: true,
        summary: 'Import conversations from a JSON export',
        description: `Always creates new conversations (new ids); nothing is overwritten. Each conversation is checked on its own: bad ones are skipped and listed with the reason, the rest are stored in one transaction. At most ${IMPORT_LIMITS.conversations} conversations of ${IMPORT_LIMITS.messagesPerConversation} messages each, ${IMPORT_BODY_LIMIT / 1_048_576} MiB in all.`,
        body: named('ConversationImport', archiveDocument),
        responses: {
          200: {
            description: 'What was imported and what was skipped.',
            schema: named('ConversationImportReport', importReport),
          },
        },
      },
    ),
    async (request) => deps.archive.import(userIdOf(request), parseJsonBody(request.body)),
  );
}
