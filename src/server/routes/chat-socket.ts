import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { PermissionError } from '../../errors.js';
import { ChatConnection, type ChatConnectionDeps } from '../chat/chat-connection.js';
import { webSocketOriginAllowed } from '../hardening/origin.js';
import { documented } from '../openapi/route-doc.js';
import { publicRoute } from './route-policy.js';

export const CHAT_SOCKET_PATH = '/api/ws';
/** A question is at most 100 000 characters; in UTF-8 and JSON that stays well below this. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

export interface ChatSocketDeps extends ChatConnectionDeps {
  corsOrigins: readonly string[];
}

/**
 * The web chat's WebSocket. Public at the HTTP level because browsers cannot put an
 * Authorization header on a WebSocket handshake: the first message authenticates instead (see
 * chat/chat-connection.ts). The handshake checks Origin, since browsers apply no CORS to
 * WebSockets (docs/security.md).
 */
export function registerChatSocket(app: FastifyInstance, deps: ChatSocketDeps): void {
  const allowed = new Set(deps.corsOrigins);
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
        new ChatConnection(socket, deps, request.ip);
      },
    );
  });
}
