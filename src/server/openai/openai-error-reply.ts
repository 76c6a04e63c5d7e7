import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../observability/logger.js';
import { openAiErrorOf } from '../../protocols/openai/errors.js';
import { toErrorReply, type ErrorReply } from '../error-handler.js';

/**
 * The server's error reply (status, headers, logging of unknown errors) with an OpenAI-shaped
 * body. Built on `toErrorReply` so both shapes say the same thing; only the body differs.
 */
export function toOpenAiErrorReply(error: unknown, logger: Logger, requestId: string): ErrorReply {
  const reply = toErrorReply(error, logger, requestId);
  const anthropic = JSON.parse(reply.body) as { error: { type: string; message: string } };
  return openAiReplyFrom(anthropic.error.type, anthropic.error.message, reply.status, reply.headers);
}

export function openAiReplyFrom(
  type: string,
  message: string,
  status: number,
  headers: Record<string, string>,
): ErrorReply {
  const mapped = openAiErrorOf(type, message, status);
  const requestId = headers['request-id'];
  return {
    status: mapped.status ?? status,
    // OpenAI clients read the request id from x-request-id.
    headers: requestId === undefined ? headers : { ...headers, 'x-request-id': requestId },
    body: JSON.stringify(mapped.body),
  };
}

/** A Fastify route-level error handler answering in OpenAI's shape (body too large, shutdown, …). */
export function openAiErrorHandler(logger: Logger) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, headers, body } = toOpenAiErrorReply(error, logger, request.id);
    void reply.code(status).headers(headers).send(body);
  };
}
