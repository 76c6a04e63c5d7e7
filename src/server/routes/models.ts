import type { FastifyInstance } from 'fastify';
import type { ModelCatalog } from '../../gateway/models.js';
import type { ApiKeyAuthenticator } from '../../identity/api-key-authenticator.js';
import { clientKeyFrom } from '../client-credentials.js';

export function registerModelRoutes(
  app: FastifyInstance,
  deps: { catalog: ModelCatalog; authenticator: ApiKeyAuthenticator },
): void {
  app.get('/v1/models', async (request) => {
    request.principal = await deps.authenticator.authenticate(clientKeyFrom(request.headers));
    const models = await deps.catalog.list();
    return {
      data: models.map((m) => ({
        type: 'model',
        id: m.id,
        display_name: m.displayName,
        created_at: m.createdAt,
        ...(m.simulated ? { simulated: true } : {}),
      })),
      has_more: false,
      first_id: models[0]?.id ?? null,
      last_id: models.at(-1)?.id ?? null,
    };
  });
}
