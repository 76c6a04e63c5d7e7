import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ModelCatalog } from '../../gateway/models.js';
import { webPrincipalOf } from '../../identity/web-principal.js';
import {
  ANSWER_STATES,
  attachmentRef,
  conversationPatchInput,
  newConversationInput,
  type ConversationMessageView,
  type ConversationView,
} from '../../services/conversation-types.js';
import type { ConversationsService } from '../../services/conversations.js';
import { parseJsonBody } from '../json-body.js';
import { documented, named } from '../openapi/route-doc.js';
import { requires, signedInUserOf } from './route-policy.js';

const timestamp = z.iso.datetime({ offset: true });
const conversation: z.ZodType<ConversationView> = z.object({
  id: z.string(),
  title: z.string().nullable(),
  pinned: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
const message: z.ZodType<ConversationMessageView> = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  model: z.string().nullable(),
  requestId: z.string().nullable(),
  state: z.enum(ANSWER_STATES).nullable(),
  error: z.object({ type: z.string(), message: z.string() }).nullable(),
  attachments: z.array(attachmentRef),
  createdAt: timestamp,
});
const chatModel = z.object({ id: z.string(), displayName: z.string(), simulated: z.boolean() });

const views = {
  conversation: named('Conversation', conversation),
  conversations: named('ConversationList', z.object({ data: z.array(conversation) })),
  messages: named('ConversationMessageList', z.object({ data: z.array(message) })),
  models: named('ChatModelList', z.object({ data: z.array(chatModel) })),
};

export interface ConversationRouteDeps {
  conversations: ConversationsService;
  catalog: ModelCatalog;
}

/**
 * The web chat's conversations, each owned by one user: another user's id answers 404 exactly
 * like an id that does not exist. The answers themselves stream over the chat socket.
 */
export function registerConversationRoutes(app: FastifyInstance, deps: ConversationRouteDeps): void {
  const chat = requires('chat:use');
  const { conversations } = deps;
  const userIdOf = (request: FastifyRequest) => signedInUserOf(request).user.id;
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  const id = { id: 'The conversation id (one of your own; any other id answers 404).' };
  const one = { 200: { description: 'The conversation.', schema: views.conversation } };

  app.get(
    '/api/chat/models',
    documented(chat, {
      userOnly: true,
      summary: 'Models you may chat with: those your limits allow and the pool can serve',
      responses: { 200: { description: 'The models.', schema: views.models } },
    }),
    async (request) => {
      const principal = webPrincipalOf(signedInUserOf(request).user);
      const models = await deps.catalog.listFor(principal);
      return { data: models.map((m) => ({ id: m.id, displayName: m.displayName, simulated: m.simulated })) };
    },
  );
  app.get(
    '/api/conversations',
    documented(chat, {
      userOnly: true,
      summary: 'Your conversations, pinned first, then the most recent',
      responses: { 200: { description: 'Your conversations.', schema: views.conversations } },
    }),
    async (request) => ({ data: await conversations.list(userIdOf(request)) }),
  );
  const create = documented(chat, {
    userOnly: true,
    summary: 'Start a conversation',
    body: named('NewConversation', newConversationInput),
    responses: { 201: { description: 'The conversation.', schema: views.conversation } },
  });
  app.post('/api/conversations', create, async (request, reply) => {
    const userId = userIdOf(request);
    // No body at all is fine here: a new chat needs nothing.
    const raw = request.body;
    const body = Buffer.isBuffer(raw) && raw.length > 0 ? parseJsonBody(raw) : undefined;
    return reply.code(201).send(await conversations.create(userId, body));
  });
  const rename = documented(chat, {
    userOnly: true,
    summary: 'Rename or pin one of your conversations',
    body: named('ConversationPatch', conversationPatchInput),
    params: id,
    responses: one,
  });
  app.patch('/api/conversations/:id', rename, async (request) => {
    const userId = userIdOf(request);
    return conversations.update(userId, idOf(request), parseJsonBody(request.body));
  });
  const remove = documented(chat, {
    userOnly: true,
    summary: 'Delete one of your conversations and its messages',
    params: id,
    responses: { 204: { description: 'Deleted.' } },
  });
  app.delete('/api/conversations/:id', remove, async (request, reply) => {
    await conversations.remove(userIdOf(request), idOf(request));
    return reply.code(204).send();
  });
  app.get(
    '/api/conversations/:id/messages',
    documented(chat, {
      userOnly: true,
      summary: 'The messages of one of your conversations, oldest first',
      params: id,
      responses: { 200: { description: 'The messages.', schema: views.messages } },
    }),
    async (request) => ({ data: await conversations.messages(userIdOf(request), idOf(request)) }),
  );
}
