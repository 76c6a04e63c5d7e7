import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../observability/metrics.js';
import type { Readiness } from '../readiness.js';
import type { AppPage } from './web-app.js';

export interface HealthDeps {
  /** The dependencies /ready reports (server/readiness.ts). */
  readiness: Readiness;
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
    const { ready, body } = await deps.readiness.report();
    return reply.code(ready ? 200 : 503).send(body);
  });
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await deps.metrics.render();
    return reply.type(contentType).send(body);
  });
}
