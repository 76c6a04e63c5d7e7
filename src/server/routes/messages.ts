import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { InvalidRequestError } from '../../errors.js';
import type { CallSummary, MessagesCall, Principal } from '../../gateway/call.js';
import type { MessagesPipeline } from '../../gateway/pipeline.js';
import type { ApiKeyAuthenticator } from '../../identity/api-key-authenticator.js';
import type { Logger } from '../../observability/logger.js';
import {
  UPSTREAM_OVERRIDE_FIELDS,
  countTokensRequestSchema,
  messagesRequestSchema,
} from '../../protocols/anthropic/messages-schema.js';
import { isPlainMessagesRequest } from '../../protocols/anthropic/messages-request-check.js';
import { parseInput } from '../../services/parse-input.js';
import type { UpstreamOperation } from '../../upstreams/types.js';
import { pathOf, type AccessLog } from '../access-log.js';
import { clientKeyFrom, singleHeader } from '../client-credentials.js';
import { toErrorReply } from '../error-handler.js';
import { parseJsonBody } from '../json-body.js';
import { documented, named, type RouteDoc } from '../openapi/route-doc.js';
import { HttpResponseSink } from '../response-sink.js';

export const MESSAGES_BODY_LIMIT = 32 * 1024 * 1024;

export interface MessagesRouteDeps {
  pipeline: MessagesPipeline;
  authenticator: ApiKeyAuthenticator;
  requestDeadlineMs: number;
}

/** One request to a Messages route, whichever front (raw HTTP or Fastify) received it. */
export interface MessagesExchange {
  requestId: string;
  operation: UpstreamOperation;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  ip: string | undefined;
  res: ServerResponse;
  startedAt: number;
}

function parseRequest<T extends z.ZodType>(
  schema: T,
  body: Buffer | undefined,
  /** True only where `schema` would accept the value and give it back unchanged (no zod run). */
  plain?: (value: unknown) => value is z.infer<T>,
): z.infer<T> {
  const json = parseJsonBody(body);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidRequestError('body: must be a JSON object.');
  }
  for (const field of UPSTREAM_OVERRIDE_FIELDS) {
    if (field in json)
      throw new InvalidRequestError(`${field}: clients cannot choose the upstream; remove this field.`);
  }
  return plain?.(json) ? json : parseInput(schema, json);
}

/** The client's own deadline (the official Anthropic and OpenAI SDKs send x-stainless-timeout, in seconds), capped by ours. */
export function deadlineOf(headers: IncomingHttpHeaders, capMs: number): number {
  const header = singleHeader(headers, 'x-stainless-timeout');
  const seconds = header !== undefined ? Number(header) : NaN;
  const clientMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : capMs;
  return Date.now() + Math.min(clientMs, capMs);
}

/**
 * Serves `/v1/messages` and `count_tokens`: authenticate, parse, run the pipeline, answer errors,
 * write the access line. It works on Node's request/response pair, so the hot path can reach it
 * from a raw `node:http` front without Fastify, and Fastify (tests' `inject`, unusual URL forms)
 * reaches the same code.
 */
export class MessagesEndpoint {
  constructor(
    private readonly deps: MessagesRouteDeps,
    private readonly logger: Logger,
    private readonly accessLog: AccessLog,
  ) {}

  async serve(exchange: MessagesExchange, body: Buffer | undefined): Promise<void> {
    let principal: Principal | undefined;
    let summary: CallSummary | undefined;
    let status = 200;
    const sink = new HttpResponseSink(exchange.res);
    try {
      const found = this.deps.authenticator.authenticate(clientKeyFrom(exchange.headers));
      principal = found instanceof Promise ? await found : found;
      const { headers, operation } = exchange;
      const parsed =
        operation === 'messages'
          ? parseRequest(messagesRequestSchema, body, isPlainMessagesRequest)
          : { ...parseRequest(countTokensRequestSchema, body), stream: false };
      const call: MessagesCall = {
        requestId: exchange.requestId,
        operation,
        body: body as Buffer, // parseRequest refused a missing body
        request: parsed,
        principal,
        clientIp: exchange.ip,
        anthropicVersion: singleHeader(headers, 'anthropic-version'),
        anthropicBeta: singleHeader(headers, 'anthropic-beta'),
        sessionId: singleHeader(headers, 'x-claude-code-session-id'),
        startedAt: exchange.startedAt,
        deadline: deadlineOf(headers, this.deps.requestDeadlineMs),
      };
      summary = await this.deps.pipeline.handle(call, sink);
      status = summary.status;
    } catch (error) {
      status = sink.closed ? 499 : this.answerError(exchange, sink, error);
    }
    this.accessLog.write({
      requestId: exchange.requestId,
      method: exchange.method,
      path: pathOf(exchange.url),
      status,
      startedAt: exchange.startedAt,
      ip: exchange.ip,
      keyId: principal?.apiKeyId,
      summary,
    });
  }

  private answerError(exchange: MessagesExchange, sink: HttpResponseSink, error: unknown): number {
    const reply = toErrorReply(error, this.logger, exchange.requestId);
    // The pipeline only throws before the first byte; a started response cannot take a status.
    if (sink.headersSent) {
      sink.end();
      return reply.status;
    }
    exchange.res.writeHead(reply.status, reply.headers);
    exchange.res.end(reply.body);
    return reply.status;
  }
}

export const MESSAGES_ROUTES: ReadonlyArray<{ url: string; operation: UpstreamOperation }> = [
  { url: '/v1/messages', operation: 'messages' },
  { url: '/v1/messages/count_tokens', operation: 'count_tokens' },
];

const MESSAGES_DOCS: Record<string, RouteDoc> = {
  messages: {
    summary: 'Create a message (the Anthropic Messages API), streamed as SSE when stream is true',
    description:
      'Fields beyond these pass through to the upstream untouched; fields naming an upstream URL are refused. Body limit 32 MiB.',
    body: named('MessagesRequest', messagesRequestSchema),
    responses: { 200: { description: "The upstream's answer, as JSON or text/event-stream." } },
  },
  count_tokens: {
    summary: 'Count the tokens of a Messages request',
    body: named('CountTokensRequest', countTokensRequestSchema),
    responses: { 200: { description: '{"input_tokens": n}' } },
  },
};

/**
 * The Fastify routes: the raw front serves the common form of these URLs itself; these serve the
 * rest (trailing slashes, `inject`) through the same endpoint.
 */
export function registerMessagesRoutes(app: FastifyInstance, endpoint: MessagesEndpoint): void {
  for (const { url, operation } of MESSAGES_ROUTES) {
    const options = documented({ bodyLimit: MESSAGES_BODY_LIMIT }, MESSAGES_DOCS[operation] as RouteDoc);
    app.post(url, options, async (request, reply) => {
      request.selfLogged = true;
      // The endpoint answers on the raw response, errors included.
      reply.hijack();
      await endpoint.serve(
        {
          requestId: request.id,
          operation,
          method: request.method,
          url: request.url,
          headers: request.headers,
          ip: request.ip,
          res: reply.raw,
          startedAt: request.startedAt,
        },
        Buffer.isBuffer(request.body) ? request.body : undefined,
      );
    });
  }
}
