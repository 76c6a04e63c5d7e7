import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { NewApiKeyInput } from '../../services/admin-types.js';
import type { ApiKeysService } from '../../services/api-keys.js';
import { refuseProtectedFields } from '../../services/auth-types.js';
import { parseJsonBody } from '../json-body.js';
import { auditContextOf, requires, signedInUserOf } from './route-policy.js';

/** A user's own API keys. Someone else's key id answers 404, exactly like one that does not exist. */
export function registerOwnKeyRoutes(app: FastifyInstance, apiKeys: ApiKeysService): void {
  void app.register(
    async (keys) => {
      const own = requires('keys:own');
      const userIdOf = (request: FastifyRequest) => signedInUserOf(request).user.id;

      keys.get('/', own, async (request) => ({ data: await apiKeys.listOwn(userIdOf(request)) }));
      keys.post('/', own, async (request, reply) => {
        const raw = parseJsonBody(request.body);
        // The owner is the caller; a body naming another owner or wider rights is refused.
        refuseProtectedFields(raw);
        const created = await apiKeys.createOwn(
          userIdOf(request),
          raw as NewApiKeyInput,
          auditContextOf(request),
        );
        return reply.code(201).header('cache-control', 'no-store').send(created);
      });
      keys.delete('/:id', own, async (request) =>
        apiKeys.revokeOwn(userIdOf(request), (request.params as { id: string }).id, auditContextOf(request)),
      );
    },
    { prefix: '/api/keys' },
  );
}
