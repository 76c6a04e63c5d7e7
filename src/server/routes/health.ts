import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../observability/metrics.js';
import type { AppPage } from './web-app.js';

/** A database that takes longer than this to answer `select 1` is as good as down. */
const READY_TIMEOUT_MS = 2_000;

export interface HealthDeps {
  ping: () => Promise<void>;
  metrics: Metrics;
  /** The web app's page, for browsers asking for HTML at / (routes/web-app.ts). */
  appPage?: AppPage;
}

export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  // Claude Code sends HEAD / before it starts; GET gets HEAD for free.
  app.get(
    '/',
    async (request, reply) => deps.appPage?.serve(request, reply) ?? { name: 'switchyard', status: 'ok' },
  );
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_request, reply) => {
    try {
      await Promise.race([
        deps.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), READY_TIMEOUT_MS).unref()),
      ]);
      return { status: 'ready', database: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'not_ready', database: 'unreachable' });
    }
  });
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await deps.metrics.render();
    return reply.type(contentType).send(body);
  });
}
