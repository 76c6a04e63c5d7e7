import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../../errors.js';
import type { CallSummary, MessagesCall, Principal } from '../../gateway/call.js';
import type { Logger } from '../../observability/logger.js';
import { isPlainChatRequest } from '../../protocols/openai/chat-request-check.js';
import { chatCompletionRequestSchema } from '../../protocols/openai/chat-request-schema.js';
import {
  requestToAnthropic,
  type RequestMappingOptions,
} from '../../protocols/openai/request-to-anthropic.js';
import { parseInput } from '../../services/parse-input.js';
import { pathOf, type AccessLog } from '../access-log.js';
import { clientKeyFrom } from '../client-credentials.js';
import { parseJsonBody } from '../json-body.js';
import { documented, named } from '../openapi/route-doc.js';
import { ChatCompletionsSink } from '../openai/chat-completions-sink.js';
import { inlineRemoteImages, type ImageFetcher } from '../openai/remote-images.js';
import { openAiErrorHandler, toOpenAiErrorReply } from '../openai/openai-error-reply.js';
import { HttpResponseSink } from '../response-sink.js';
import {
  MESSAGES_BODY_LIMIT,
  deadlineOf,
  type MessagesExchange,
  type MessagesRouteDeps,
} from './messages.js';

export interface ChatCompletionsDeps extends MessagesRouteDeps {
  /**
   * How http(s) image URLs are treated (OPENAI_REMOTE_IMAGES): refused; forwarded for the upstream
   * to fetch; or fetched here, through the outbound guard, and sent inline.
   */
  remoteImages?: RequestMappingOptions['remoteImages'] | 'fetch';
  fetchImage?: ImageFetcher;
}

/**
 * `POST /v1/chat/completions`: the OpenAI request is translated to an Anthropic Messages body and
 * run through the same pipeline as `/v1/messages` (scheduling, failover, ledger, metrics); the
 * answer is translated back on its way out by ChatCompletionsSink. Errors are OpenAI-shaped.
 * Like the Messages endpoint it works on Node's request/response pair, so the raw front serves
 * the common URL form without Fastify, and Fastify serves the rest through the same code.
 */
export class ChatCompletionsEndpoint {
  private readonly mapping: RequestMappingOptions;

  constructor(
    private readonly deps: ChatCompletionsDeps,
    private readonly logger: Logger,
    private readonly accessLog: AccessLog,
  ) {
    // Fetched images arrive inline: whatever URL is left after fetching is refused.
    this.mapping = { remoteImages: deps.remoteImages === 'forward' ? 'forward' : 'refuse' };
  }

  async serve(exchange: MessagesExchange, body: Buffer | undefined): Promise<void> {
    const { deps, logger } = this;
    const { res, requestId, headers } = exchange;
    const sink = new HttpResponseSink(res);
    let principal: Principal | undefined;
    let summary: CallSummary | undefined;
    let status = 200;
    try {
      const found = deps.authenticator.authenticate(clientKeyFrom(headers));
      principal = found instanceof Promise ? await found : found;
      const json = objectBody(body);
      // The common shapes skip zod (same acceptance, same data); the rest get its checks and errors.
      let parsed = isPlainChatRequest(json) ? json : parseInput(chatCompletionRequestSchema, json);
      if (deps.remoteImages === 'fetch' && deps.fetchImage)
        parsed = await inlineRemoteImages(parsed, deps.fetchImage);
      const anthropic = requestToAnthropic(parsed, this.mapping);
      const call: MessagesCall = {
        requestId,
        operation: 'messages',
        route: 'chat_completions',
        body: Buffer.from(serialized(anthropic)),
        request: anthropic,
        principal,
        clientIp: exchange.ip,
        anthropicVersion: undefined,
        anthropicBeta: undefined,
        sessionId: undefined,
        startedAt: exchange.startedAt,
        deadline: deadlineOf(headers, deps.requestDeadlineMs),
      };
      const translating = new ChatCompletionsSink(sink, {
        requestId,
        model: parsed.model,
        stream: parsed.stream === true,
        includeUsage: parsed.stream === true && parsed.stream_options?.include_usage === true,
        created: Math.floor(Date.now() / 1000),
      });
      summary = await deps.pipeline.handle(call, translating);
      status = summary.status;
    } catch (error) {
      // The pipeline only throws before the first byte; a started response cannot take a status.
      const answer = toOpenAiErrorReply(error, logger, requestId);
      status = sink.closed ? 499 : answer.status;
      if (sink.headersSent) sink.end();
      else if (!sink.closed) {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      }
    }
    this.accessLog.write({
      requestId,
      method: exchange.method,
      path: pathOf(exchange.url),
      status,
      startedAt: exchange.startedAt,
      ip: exchange.ip,
      keyId: principal?.apiKeyId,
      summary,
    });
  }
}

export const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';

/** The Fastify route: trailing slashes, query strings and `inject` reach the same endpoint. */
export function registerChatCompletionsRoutes(
  app: FastifyInstance,
  endpoint: ChatCompletionsEndpoint,
  logger: Logger,
): void {
  app.post(
    CHAT_COMPLETIONS_PATH,
    documented(
      { bodyLimit: MESSAGES_BODY_LIMIT, errorHandler: openAiErrorHandler(logger) },
      {
        summary: 'OpenAI Chat Completions, served by the same accounts as /v1/messages',
        description:
          "Errors come in OpenAI's shape. Fields the Messages API cannot honour are refused by name.",
        body: named('ChatCompletionRequest', chatCompletionRequestSchema),
        responses: {
          200: { description: 'A chat.completion, or chat.completion.chunk events when streaming.' },
        },
      },
    ),
    async (request, reply) => {
      request.selfLogged = true;
      reply.hijack();
      await endpoint.serve(
        {
          requestId: request.id,
          operation: 'messages',
          method: request.method,
          url: request.url,
          headers: request.headers,
          ip: request.ip,
          res: reply.raw,
          startedAt: request.startedAt,
        },
        Buffer.isBuffer(request.body) ? request.body : undefined,
      );
    },
  );
}

/**
 * JSON.stringify recurses, and JSON.parse does not: a body nested deeper than the stack allows
 * parses fine and then overflowed here as a 500. It is the client's body, so a 400.
 */
function serialized(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (error instanceof RangeError) throw new InvalidRequestError('body: nested too deeply to translate.');
    throw error;
  }
}

function objectBody(body: unknown): unknown {
  const json = parseJsonBody(body);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidRequestError('body: must be a JSON object.');
  }
  return json;
}
