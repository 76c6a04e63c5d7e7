import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { SwitchyardError } from '../errors.js';
import type { ModelCatalog } from '../gateway/models.js';
import type { Principal } from '../gateway/call.js';
import type { Logger } from '../observability/logger.js';
import { AccessLog, pathOf } from './access-log.js';
import { buildErrorHandler, notFoundHandler, toErrorReply } from './error-handler.js';
import { toOpenAiErrorReply } from './openai/openai-error-reply.js';
import { messagesCors } from './hardening/cors.js';
import { createFrontServer, type ServerOptions } from './hardening/http-server.js';
import { installHardening } from './hardening/index.js';
import { clientAddressOf } from './client-address.js';
import { createMessagesFront } from './messages-front.js';
import { newRequestId } from './request-id.js';
import { RequestTracker } from './request-tracker.js';
import { registerApiRoutes, type ApiRouteDeps } from './routes/api.js';
import {
  CHAT_COMPLETIONS_PATH,
  ChatCompletionsEndpoint,
  registerChatCompletionsRoutes,
  type ChatCompletionsDeps,
} from './routes/chat-completions.js';
import { registerChatAttachmentRoutes } from './routes/chat-attachments.js';
import { registerChatSocket } from './routes/chat-socket.js';
import type { SharedChatParts } from './chat/shared-turns.js';
import { registerConversationHistoryRoutes } from './routes/conversation-history.js';
import { registerConversationRoutes } from './routes/conversations.js';
import { registerHealthRoutes, type HealthDeps } from './routes/health.js';
import { MessagesEndpoint, registerMessagesRoutes } from './routes/messages.js';
import { registerModelRoutes } from './routes/models.js';
import { registerRequestEventsRoutes, type RequestEventsSource } from './routes/request-events.js';
import { installRoutePolicy } from './routes/route-policy.js';
import { createAppPage, registerWebAppRoutes } from './routes/web-app.js';
import type { ChatAttachmentsService } from '../services/chat-attachments.js';
import type { ConversationHistoryServices } from '../services/conversation-history-services.js';
import type { ConversationsService } from '../services/conversations.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** performance.now() when the request arrived. */
    startedAt: number;
    /** The route writes its own access line (the Messages endpoint does). */
    selfLogged: boolean;
  }
  interface FastifyInstance {
    /** Requests received and not yet closed, for graceful shutdown. */
    requestsInFlight(): number;
  }
}

export interface AppDeps {
  logger: Logger;
  /** The model routes (Messages and Chat Completions). */
  messages: ChatCompletionsDeps;
  catalog: ModelCatalog;
  health: HealthDeps;
  /** The /api routes: sign-in, users' own keys, the admin API. */
  admin: ApiRouteDeps;
  /** Resumable streams (distributed mode); GET /v1/requests/{id}/events answers 404 without. */
  requestEvents?: RequestEventsSource | undefined;
  /** The web app: its conversations (answers stream over the chat socket). */
  web: {
    conversations: ConversationsService;
    attachments: ChatAttachmentsService;
    /** History search, export and import (docs/chat-history.md). */
    history: ConversationHistoryServices;
    /** Resuming answers after a dropped socket (docs/web-chat-resume-uploads.md). */
    resume: {
      graceMs: number;
      maxBytes: number;
      /** Distributed mode: resume and stop answers through any gateway (chat/shared-turns.ts). */
      shared?: (SharedChatParts & { ttlMs: number }) | undefined;
    };
  };
  /** Timeouts, TLS and CORS (see server/hardening/). */
  http: { server: ServerOptions; corsOrigins: readonly string[]; trustedProxies?: readonly string[] };
}

const SMALL_BODY_LIMIT = 1024 * 1024;
/** A chat socket that has not authenticated by then is closed. */
const CHAT_AUTH_TIMEOUT_MS = 10_000;

/** Builds the HTTP face. Every route is registered here, so the whole surface reads in one file. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const tracker = new RequestTracker();
  const accessLog = new AccessLog(deps.logger);
  const endpoint = new MessagesEndpoint(deps.messages, deps.logger, accessLog);
  const chatEndpoint = new ChatCompletionsEndpoint(deps.messages, deps.logger, accessLog);
  const messagesFront = createMessagesFront(
    [
      { path: '/v1/messages', serve: (x, body) => endpoint.serve(x, body), errorReply: toErrorReply },
      {
        path: CHAT_COMPLETIONS_PATH,
        serve: (x, body) => chatEndpoint.serve(x, body),
        errorReply: toOpenAiErrorReply,
      },
    ],
    tracker,
    deps.logger,
    accessLog,
    messagesCors(deps.http.corsOrigins),
    clientAddressOf(deps.http.trustedProxies ?? []),
  );
  const app = Fastify({
    logger: false,
    bodyLimit: SMALL_BODY_LIMIT,
    genReqId: newRequestId,
    // request.ip reads X-Forwarded-For only from these (the raw front uses the same list).
    ...(deps.http.trustedProxies?.length ? { trustProxy: [...deps.http.trustedProxies] } : {}),
    requestIdHeader: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Requests arriving while we shut down get an Anthropic-shaped 503 from our own hook below.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // The hot route is served before Fastify sees the request; see messages-front.ts.
    serverFactory: (fastifyHandler) =>
      createFrontServer((req: IncomingMessage, res: ServerResponse) => {
        if (!messagesFront(req, res)) fastifyHandler(req, res);
      }, deps.http.server),
  });

  app.decorateRequest('principal', null);
  app.decorateRequest('startedAt', 0);
  app.decorateRequest('selfLogged', false);
  app.decorate('requestsInFlight', () => tracker.inFlight);
  // Before any route: every /api route must declare who may call it.
  installRoutePolicy(app, { sessions: deps.admin.sessions, adminToken: deps.admin.adminToken });
  installHardening(app, { corsOrigins: deps.http.corsOrigins, tls: deps.http.server.tls !== undefined });

  // Bodies stay raw bytes whatever the content type (curl -d sends form encoding): the Messages
  // route forwards them untouched, and every route parses JSON itself with prototype-poisoning checks.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.addHook('preClose', async () => {
    tracker.closing = true;
  });
  app.addHook('onClose', async () => accessLog.flush());
  app.addHook('onRequest', (request, reply, done) => {
    request.startedAt = performance.now();
    tracker.track(reply.raw);
    reply.raw.once('close', () => {
      if (request.selfLogged) return;
      accessLog.write({
        requestId: request.id,
        method: request.method,
        path: pathOf(request.url),
        status: reply.raw.writableFinished ? reply.raw.statusCode : 499,
        startedAt: request.startedAt,
        ip: request.ip,
        keyId: request.principal?.apiKeyId,
        summary: undefined,
      });
    });
    if (!tracker.closing) return done();
    void reply.header('connection', 'close');
    done(
      new SwitchyardError('api_error', 'The server is shutting down; retry the request.', {
        status: 503,
        retryAfterSeconds: 1,
      }),
    );
  });
  app.setErrorHandler(buildErrorHandler(deps.logger));
  app.setNotFoundHandler(notFoundHandler);

  const appPage = createAppPage();
  registerHealthRoutes(app, { ...deps.health, appPage });
  registerMessagesRoutes(app, endpoint);
  registerChatCompletionsRoutes(app, chatEndpoint, deps.logger);
  registerModelRoutes(app, {
    catalog: deps.catalog,
    authenticator: deps.messages.authenticator,
    logger: deps.logger,
  });
  registerApiRoutes(app, deps.admin);
  registerRequestEventsRoutes(app, {
    authenticator: deps.messages.authenticator,
    source: deps.requestEvents,
  });
  // The web app (docs/web-app.md): conversations, the chat socket, the page and its files.
  registerConversationRoutes(app, { conversations: deps.web.conversations, catalog: deps.catalog });
  registerConversationHistoryRoutes(app, { ...deps.web.history, logger: deps.logger });
  registerChatAttachmentRoutes(app, deps.web.attachments);
  registerChatSocket(app, {
    pipeline: deps.messages.pipeline,
    conversations: deps.web.conversations,
    attachments: deps.web.attachments,
    resumeGraceMs: deps.web.resume.graceMs,
    resumeMaxBytes: deps.web.resume.maxBytes,
    resumeShared: deps.web.resume.shared,
    sessions: deps.admin.sessions,
    logger: deps.logger,
    requestDeadlineMs: deps.messages.requestDeadlineMs,
    authTimeoutMs: CHAT_AUTH_TIMEOUT_MS,
    corsOrigins: deps.http.corsOrigins,
  });
  registerWebAppRoutes(app, appPage);
  return app;
}
