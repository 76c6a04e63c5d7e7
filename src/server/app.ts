import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { SwitchyardError } from '../errors.js';
import type { CallSummary, Principal } from '../gateway/call.js';
import type { Logger } from '../observability/logger.js';
import { buildErrorHandler, notFoundHandler } from './error-handler.js';
import { registerAdminRoutes, type AdminRouteDeps } from './routes/admin.js';
import { registerHealthRoutes, type HealthDeps } from './routes/health.js';
import { registerMessagesRoutes, type MessagesRouteDeps } from './routes/messages.js';
import { registerModelRoutes } from './routes/models.js';
import type { ModelCatalog } from '../gateway/models.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    summary: CallSummary | null;
    /** The pipeline's work for this request, so the log line can wait for its summary. */
    pending: Promise<unknown> | null;
  }
  interface FastifyInstance {
    /** Requests received and not yet closed, for graceful shutdown. */
    requestsInFlight(): number;
  }
}

export interface AppDeps {
  logger: Logger;
  messages: MessagesRouteDeps;
  catalog: ModelCatalog;
  health: HealthDeps;
  admin: AdminRouteDeps;
}

const SMALL_BODY_LIMIT = 1024 * 1024;

/** Builds the HTTP face. Every route is registered here, so the whole surface reads in one file. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: SMALL_BODY_LIMIT,
    genReqId: () => `req_${randomUUID().replaceAll('-', '')}`,
    requestIdHeader: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Requests arriving while we shut down get an Anthropic-shaped 503 from our own hook below.
    return503OnClosing: false,
    keepAliveTimeout: 72_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });

  app.decorateRequest('principal', null);
  app.decorateRequest('summary', null);
  app.decorateRequest('pending', null);
  // The access line is built from an allowlist of fields that never hold a secret, so it skips
  // redaction, which was a fifth of the line's cost.
  const accessLog = deps.logger.child({}, { redact: [] });
  let inFlight = 0;
  app.decorate('requestsInFlight', () => inFlight);

  // Bodies stay raw bytes whatever the content type (curl -d sends form encoding): the Messages
  // route forwards them untouched, and every route parses JSON itself with prototype-poisoning checks.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    inFlight += 1;
    reply.raw.once('close', () => {
      inFlight -= 1;
      // A client that leaves mid-answer closes the socket before the pipeline has its summary.
      const log = () => logRequest(accessLog, request, reply.raw, started);
      if (request.pending) request.pending.then(log, log);
      else log();
    });
    if (!closing) return done();
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

  registerHealthRoutes(app, deps.health);
  registerMessagesRoutes(app, deps.messages);
  registerModelRoutes(app, { catalog: deps.catalog, authenticator: deps.messages.authenticator });
  registerAdminRoutes(app, deps.admin);
  return app;
}

/** One line per request; never a body, never a header value that could hold a secret. */
function logRequest(
  logger: Logger,
  request: FastifyRequest,
  response: ServerResponse,
  started: number,
): void {
  const summary = request.summary;
  const aborted = !response.writableFinished;
  logger.info(
    {
      requestId: request.id,
      method: request.method,
      path: request.url.split('?')[0],
      status: aborted ? 499 : (summary?.status ?? response.statusCode),
      ms: Math.round((performance.now() - started) * 10) / 10,
      ip: request.ip,
      keyId: request.principal?.apiKeyId,
      model: summary?.model,
      account: summary?.account?.name,
      attempts: summary?.attempts,
      sticky: summary?.stickyHit,
      ttftMs: summary?.ttftMs === undefined ? undefined : Math.round(summary.ttftMs),
      inputTokens: summary?.usage.inputTokens,
      outputTokens: summary?.usage.outputTokens,
      errorType: summary?.errorType,
      upstreamRequestId: summary?.upstreamRequestId,
    },
    'request',
  );
}
