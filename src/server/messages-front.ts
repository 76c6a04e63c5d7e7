import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestTooLargeError, SwitchyardError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { AccessLog } from './access-log.js';
import type { ErrorReply } from './error-handler.js';
import { newRequestId } from './request-id.js';
import type { RequestTracker } from './request-tracker.js';
import { MESSAGES_BODY_LIMIT, type MessagesExchange } from './routes/messages.js';

const QUERY = 63; // '?'

/** A route the front serves itself: its path, its endpoint, and how it words refusals. */
export interface HotRoute {
  path: string;
  serve(exchange: MessagesExchange, body: Buffer | undefined): Promise<void>;
  /** Errors in the route's own shape (Anthropic's, or OpenAI's for Chat Completions). */
  errorReply: (error: unknown, logger: Logger, requestId: string) => ErrorReply;
}

/** `POST <path>` and `POST <path>?…` (Claude Code adds `?beta=true`); other forms go through Fastify. */
function hotRouteOf(req: IncomingMessage, routes: readonly HotRoute[]): HotRoute | undefined {
  if (req.method !== 'POST') return undefined;
  const url = req.url;
  if (url === undefined) return undefined;
  for (const route of routes) {
    const { path } = route;
    if (url === path || (url.startsWith(path) && url.charCodeAt(path.length) === QUERY)) return route;
  }
  return undefined;
}

/**
 * The raw `node:http` front for the one route that carries nearly all traffic. Routing, hooks and
 * body parsing in Fastify cost about as much CPU as everything Switchyard does for a request, so
 * this route reads its body itself and goes straight to the endpoint Fastify would have called.
 * Every other request (and this one via `inject`) is Fastify's.
 */
export function createMessagesFront(
  routes: readonly HotRoute[],
  tracker: RequestTracker,
  logger: Logger,
  accessLog: AccessLog,
  /** CORS headers for allowlisted origins (CORS_ORIGINS); undefined when there are none. */
  cors?: (req: IncomingMessage, res: ServerResponse) => void,
  clientAddress: (req: IncomingMessage) => string | undefined = (req) => req.socket.remoteAddress,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const refuse = (
    route: HotRoute,
    exchange: MessagesExchange,
    req: IncomingMessage,
    error: SwitchyardError,
  ) => {
    const reply = route.errorReply(error, logger, exchange.requestId);
    if (error.status === 503) reply.headers['connection'] = 'close';
    exchange.res.writeHead(reply.status, reply.headers);
    exchange.res.end(reply.body);
    req.resume(); // discard what is left of the body, as Node does for unread bodies
    accessLog.write({
      ...logFieldsOf(exchange, route.path),
      status: reply.status,
      keyId: undefined,
      summary: undefined,
    });
  };

  return (req, res) => {
    const route = hotRouteOf(req, routes);
    if (route === undefined) return false;
    if (cors !== undefined) cors(req, res);
    const exchange: MessagesExchange = {
      requestId: newRequestId(),
      operation: 'messages',
      method: 'POST',
      url: req.url ?? route.path,
      headers: req.headers,
      ip: clientAddress(req),
      res,
      startedAt: performance.now(),
    };
    tracker.track(res);
    if (tracker.closing) {
      refuse(route, exchange, req, SHUTTING_DOWN());
      return true;
    }
    if (Number(req.headers['content-length']) > MESSAGES_BODY_LIMIT) {
      refuse(route, exchange, req, TOO_LARGE());
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
      refuse(route, exchange, req, TOO_LARGE());
    };
    const onEnd = () => {
      const body = size === 0 ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      void route.serve(exchange, body);
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

function logFieldsOf(exchange: MessagesExchange, path: string) {
  return {
    requestId: exchange.requestId,
    method: exchange.method,
    path,
    startedAt: exchange.startedAt,
    ip: exchange.ip,
  };
}
