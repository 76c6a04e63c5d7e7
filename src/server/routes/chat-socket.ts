import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { PermissionError } from '../../errors.js';
import { InProcessResultStream } from '../../queue/in-process-result-stream.js';
import { ChatConnection, type ChatConnectionDeps } from '../chat/chat-connection.js';
import { SharedTurns, type SharedChatParts } from '../chat/shared-turns.js';
import { TurnRegistry } from '../chat/turn-registry.js';
import { webSocketOriginAllowed } from '../hardening/origin.js';
import { documented } from '../openapi/route-doc.js';
import { publicRoute } from './route-policy.js';

export const CHAT_SOCKET_PATH = '/api/ws';
/** A question is at most 100 000 characters; in UTF-8 and JSON that stays well below this. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Events one answer keeps: an answer of 8 192 tokens has at most ~8 200 (one per delta at worst). */
const MAX_EVENTS_PER_ANSWER = 10_000;

export interface ChatSocketDeps extends Omit<ChatConnectionDeps, 'events' | 'turns' | 'shared'> {
  corsOrigins: readonly string[];
  /** A running answer whose socket dropped waits this long for a resume (CHAT_RESUME_GRACE_MS). */
  resumeGraceMs: number;
  /** All answers' kept events together, in bytes (CHAT_RESUME_MAX_BYTES); the oldest go first. */
  resumeMaxBytes: number;
  /**
   * Distributed mode: the cluster's result streams and job control, so answers resume and stop
   * through any gateway; `ttlMs` is how long a shared answer's events stay (RESULT_STREAM_TTL_SECONDS).
   */
  resumeShared?: (SharedChatParts & { ttlMs: number }) | undefined;
}

/**
 * The web chat's WebSocket. Public at the HTTP level because browsers cannot put an
 * Authorization header on a WebSocket handshake: the first message authenticates instead (see
 * chat/chat-connection.ts). The handshake checks Origin, since browsers apply no CORS to
 * WebSockets (docs/security.md).
 */
export function registerChatSocket(app: FastifyInstance, deps: ChatSocketDeps): void {
  const allowed = new Set(deps.corsOrigins);
  // Answers outlive their sockets (resume), so they live here, one registry for the server.
  const events = new InProcessResultStream({
    maxEntries: MAX_EVENTS_PER_ANSWER,
    // A safety net only: the registry forgets an answer's events a grace period after it ends.
    ttlMs: deps.requestDeadlineMs + deps.resumeGraceMs,
    maxBytes: deps.resumeMaxBytes,
  });
  const { resumeShared } = deps;
  const shared = resumeShared
    ? new SharedTurns({
        ...resumeShared,
        // The owner record must outlive the longest answer, whose events stay ttlMs after the last.
        ttlMs: resumeShared.ttlMs + deps.requestDeadlineMs,
        graceMs: deps.resumeGraceMs,
        logger: deps.logger,
      })
    : undefined;
  const turns = new TurnRegistry({ graceMs: deps.resumeGraceMs, logger: deps.logger, shared });
  // Stops pressed on other gateways reach the answers running here.
  shared
    ?.onStop((requestId) => turns.stopById(requestId))
    .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not subscribe to chat stops'));
  const connectionDeps: ChatConnectionDeps = { ...deps, events, turns, shared };
  // After the sockets closed (preClose): stop what still runs and store it, then drop the events.
  app.addHook('onClose', async () => {
    await turns.close();
    await events.close();
  });
  void app.register(async (scope) => {
    // In this scope only: its hooks stay off every other route.
    await scope.register(websocket, { options: { maxPayload: MAX_MESSAGE_BYTES } });
    const options = documented(publicRoute, {
      summary: 'The web chat socket (WebSocket upgrade; protocol in docs/web-app.md)',
      description:
        'Authenticate with a first message {"type":"auth","token":"<access token>"}. The handshake needs an Origin of this server or CORS_ORIGINS.',
      responses: { 101: { description: 'Switching protocols.' } },
    });
    scope.get(
      CHAT_SOCKET_PATH,
      {
        ...options,
        websocket: true,
        preValidation: async (request) => {
          if (!webSocketOriginAllowed(request.headers, allowed)) {
            throw new PermissionError('This Origin may not open the chat socket.');
          }
        },
      },
      (socket, request) => {
        new ChatConnection(socket, connectionDeps, request.ip);
      },
    );
  });
}
