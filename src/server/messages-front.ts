import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestTooLargeError, SwitchyardError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { AccessLog } from './access-log.js';
import { toErrorReply } from './error-handler.js';
import { newRequestId } from './request-id.js';
import type { RequestTracker } from './request-tracker.js';
import { MESSAGES_BODY_LIMIT, type MessagesEndpoint, type MessagesExchange } from './routes/messages.js';

const PATH = '/v1/messages';
const QUERY = 63; // '?'

/** `POST /v1/messages` and `POST /v1/messages?beta=true` (Claude Code); other forms go through Fastify. */
function isHotRoute(req: IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url;
  return url === PATH || (url !== undefined && url.startsWith(PATH) && url.charCodeAt(PATH.length) === QUERY);
}

/**
 * The raw `node:http` front for the one route that carries nearly all traffic. Routing, hooks and
 * body parsing in Fastify cost about as much CPU as everything Switchyard does for a request, so
 * this route reads its body itself and goes straight to the endpoint Fastify would have called.
 * Every other request (and this one via `inject`) is Fastify's.
 */
export function createMessagesFront(
  endpoint: MessagesEndpoint,
  tracker: RequestTracker,
  logger: Logger,
  accessLog: AccessLog,
  /** CORS headers for allowlisted origins (CORS_ORIGINS); undefined when there are none. */
  cors?: (req: IncomingMessage, res: ServerResponse) => void,
  clientAddress: (req: IncomingMessage) => string | undefined = (req) => req.socket.remoteAddress,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const refuse = (exchange: MessagesExchange, req: IncomingMessage, error: SwitchyardError) => {
    const reply = toErrorReply(error, logger, exchange.requestId);
    if (error.status === 503) reply.headers['connection'] = 'close';
    exchange.res.writeHead(reply.status, reply.headers);
    exchange.res.end(reply.body);
    req.resume(); // discard what is left of the body, as Node does for unread bodies
    accessLog.write({ ...logFieldsOf(exchange), status: reply.status, keyId: undefined, summary: undefined });
  };

  return (req, res) => {
    if (!isHotRoute(req)) return false;
    if (cors !== undefined) cors(req, res);
    const exchange: MessagesExchange = {
      requestId: newRequestId(),
      operation: 'messages',
      method: 'POST',
      url: req.url ?? PATH,
      headers: req.headers,
      ip: clientAddress(req),
      res,
      startedAt: performance.now(),
    };
    tracker.track(res);
    if (tracker.closing) {
      refuse(exchange, req, SHUTTING_DOWN());
      return true;
    }
    if (Number(req.headers['content-length']) > MESSAGES_BODY_LIMIT) {
      refuse(exchange, req, TOO_LARGE());
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MESSAGES_BODY_LIMIT) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData).off('end', onEnd);
      chunks.length = 0;
      refuse(exchange, req, TOO_LARGE());
    };
    const onEnd = () => {
      const body = size === 0 ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      void endpoint.serve(exchange, body);
    };
    req.on('data', onData).on('end', onEnd);
    return true;
  };
}

const TOO_LARGE = () => new RequestTooLargeError('body: the request body is larger than this route accepts.');
const SHUTTING_DOWN = () =>
  new SwitchyardError('api_error', 'The server is shutting down; retry the request.', {
    status: 503,
    retryAfterSeconds: 1,
  });

function logFieldsOf(exchange: MessagesExchange) {
  return {
    requestId: exchange.requestId,
    method: exchange.method,
    path: PATH,
    startedAt: exchange.startedAt,
    ip: exchange.ip,
  };
}
