import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  ApiError,
  InvalidRequestError,
  NotFoundError,
  RequestTooLargeError,
  SwitchyardError,
  anthropicErrorBody,
  errorTypeForStatus,
} from '../errors.js';
import type { Logger } from '../observability/logger.js';

/** Fastify's own errors for bad input, turned into our types with messages a person can act on. */
function fromFastify(error: FastifyError): SwitchyardError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RequestTooLargeError('body: the request body is larger than this route accepts.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new InvalidRequestError(`body: ${error.message}`);
  }
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new SwitchyardError(errorTypeForStatus(status), error.message, { status });
  }
  return undefined;
}

/**
 * PostgreSQL cannot store NUL (U+0000) in text or jsonb (SQLSTATE 22021, 22P05). Only request
 * input carries one there (a path segment, a query filter, a JSON string), so it is the client's
 * error: without this a `%00` in a URL answered 500. The codes sit on the driver error's cause.
 */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);
function isUnstorableText(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    if (UNSTORABLE_TEXT.has(String((e as { code?: unknown }).code))) return true;
  }
  return false;
}

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The one place errors become responses: Anthropic-shaped, no stack traces, no secrets. */
export function toErrorReply(error: unknown, logger: Logger, requestId: string): ErrorReply {
  let known = error instanceof SwitchyardError ? error : undefined;
  if (!known && error instanceof Error && 'code' in error) known = fromFastify(error as FastifyError);
  if (!known && isUnstorableText(error)) {
    known = new InvalidRequestError('A text value in the request contains a NUL character (\\u0000).');
  }
  if (!known) {
    logger.error({ err: error, requestId }, 'unhandled error');
    known = new ApiError();
  }
  const headers: Record<string, string> = {
    ...known.headers,
    'content-type': 'application/json; charset=utf-8',
    'request-id': requestId,
  };
  if (known.retryAfterSeconds !== undefined) headers['retry-after'] = String(known.retryAfterSeconds);
  if (known.status === 429 || known.status >= 500) headers['x-should-retry'] = 'true';
  return {
    status: known.status,
    headers,
    body: JSON.stringify(anthropicErrorBody(known.type, known.message, requestId)),
  };
}

export function buildErrorHandler(logger: Logger) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, headers, body } = toErrorReply(error, logger, request.id);
    void reply.code(status).headers(headers).send(body);
  };
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const error = new NotFoundError(`No route for ${request.method} ${request.url.split('?')[0] ?? ''}.`);
  void reply
    .code(404)
    .header('request-id', request.id)
    .send(anthropicErrorBody(error.type, error.message, request.id));
}
