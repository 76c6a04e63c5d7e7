import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { InvalidRequestError } from '../../errors.js';
import type { MessagesCall } from '../../gateway/call.js';
import type { MessagesPipeline } from '../../gateway/pipeline.js';
import type { ApiKeyAuthenticator } from '../../identity/api-key-authenticator.js';
import {
  UPSTREAM_OVERRIDE_FIELDS,
  countTokensRequestSchema,
  messagesRequestSchema,
} from '../../protocols/anthropic/messages-schema.js';
import type { UpstreamOperation } from '../../upstreams/types.js';
import { parseInput } from '../../services/parse-input.js';
import { clientKeyFrom, singleHeader } from '../client-credentials.js';
import { parseJsonBody } from '../json-body.js';
import { ReplySink } from '../response-sink.js';

export const MESSAGES_BODY_LIMIT = 32 * 1024 * 1024;

export interface MessagesRouteDeps {
  pipeline: MessagesPipeline;
  authenticator: ApiKeyAuthenticator;
  requestDeadlineMs: number;
}

function parseRequest<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const json = parseJsonBody(body);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidRequestError('body: must be a JSON object.');
  }
  for (const field of UPSTREAM_OVERRIDE_FIELDS) {
    if (field in json)
      throw new InvalidRequestError(`${field}: clients cannot choose the upstream; remove this field.`);
  }
  return parseInput(schema, json);
}

/** The client's own deadline (the official SDKs send x-stainless-timeout, in seconds), capped by ours. */
function deadlineOf(request: FastifyRequest, capMs: number): number {
  const header = singleHeader(request.headers, 'x-stainless-timeout');
  const seconds = header !== undefined ? Number(header) : NaN;
  const clientMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : capMs;
  return Date.now() + Math.min(clientMs, capMs);
}

export function registerMessagesRoutes(app: FastifyInstance, deps: MessagesRouteDeps): void {
  const handle = (operation: UpstreamOperation) => async (request: FastifyRequest, reply: FastifyReply) => {
    const startedAt = performance.now();
    const principal = await deps.authenticator.authenticate(clientKeyFrom(request.headers));
    request.principal = principal;
    const body = request.body as Buffer;
    const parsed =
      operation === 'messages'
        ? parseRequest(messagesRequestSchema, body)
        : { ...parseRequest(countTokensRequestSchema, body), stream: false };
    const call: MessagesCall = {
      requestId: request.id,
      operation,
      body,
      request: parsed,
      principal,
      anthropicVersion: singleHeader(request.headers, 'anthropic-version'),
      anthropicBeta: singleHeader(request.headers, 'anthropic-beta'),
      sessionId: singleHeader(request.headers, 'x-claude-code-session-id'),
      startedAt,
      deadline: deadlineOf(request, deps.requestDeadlineMs),
    };
    const pending = deps.pipeline.handle(call, new ReplySink(reply));
    request.pending = pending;
    request.summary = await pending;
  };
  app.post('/v1/messages', { bodyLimit: MESSAGES_BODY_LIMIT }, handle('messages'));
  app.post('/v1/messages/count_tokens', { bodyLimit: MESSAGES_BODY_LIMIT }, handle('count_tokens'));
}
