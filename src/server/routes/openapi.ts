import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from '../openapi/document.js';
import { documented } from '../openapi/route-doc.js';
import { publicRoute, registeredRoutes } from './route-policy.js';

export const OPENAPI_PATH = '/api/openapi.json';

/**
 * GET /api/openapi.json. Public: it describes the shape of the API, which the open-source code
 * already shows, and holds no data; clients and code generators need it before anyone signs in.
 * Built once when the app is ready (every route is registered by then), so a broken schema stops
 * the server at startup rather than at the first request.
 */
export function registerOpenApiRoute(app: FastifyInstance): void {
  let document = '';
  app.addHook('onReady', async () => {
    document = JSON.stringify(buildOpenApiDocument(registeredRoutes(app)));
  });
  app.get(
    OPENAPI_PATH,
    documented(publicRoute, {
      summary: 'This document (OpenAPI 3.1)',
      responses: { 200: { description: 'The OpenAPI document of this server.' } },
    }),
    async (_request, reply) =>
      reply
        .type('application/json; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .send(document),
  );
}
