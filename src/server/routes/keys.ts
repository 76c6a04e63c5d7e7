import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyPatchInput, NewApiKeyInput } from '../../services/admin-types.js';
import { apiKeyPatchInput, newApiKeyInput } from '../../services/admin-types.js';
import type { ApiKeysService } from '../../services/api-keys.js';
import { refuseProtectedFields } from '../../services/auth-types.js';
import { parseJsonBody } from '../json-body.js';
import { documented, named } from '../openapi/route-doc.js';
import { views } from '../openapi/views.js';
import { auditContextOf, requires, signedInUserOf } from './route-policy.js';

/** A user's own API keys. Someone else's key id answers 404, exactly like one that does not exist. */
export function registerOwnKeyRoutes(app: FastifyInstance, apiKeys: ApiKeysService): void {
  void app.register(
    async (keys) => {
      const own = requires('keys:own');
      const userIdOf = (request: FastifyRequest) => signedInUserOf(request).user.id;

      const id = { id: 'The key id (one of your own keys; any other id answers 404).' };
      const key = { 200: { description: 'The key.', schema: views.apiKey } };

      keys.get(
        '/',
        documented(own, {
          userOnly: true,
          summary: 'Your API keys',
          responses: { 200: { description: 'Your keys.', schema: views.apiKeys } },
        }),
        async (request) => ({ data: await apiKeys.listOwn(userIdOf(request)) }),
      );
      const create = documented(own, {
        userOnly: true,
        summary: 'Make an API key for yourself; the secret is shown once',
        description: 'Fields naming an owner or wider rights (userId, role, scopes…) are refused with 403.',
        body: named('NewApiKey', newApiKeyInput),
        responses: { 201: { description: 'The key and its secret.', schema: views.createdKey } },
      });
      keys.post('/', create, async (request, reply) => {
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
      const update = documented(own, {
        userOnly: true,
        summary: "Change one of your keys' name, expiry, limits or models",
        body: named('ApiKeyPatch', apiKeyPatchInput),
        params: id,
        responses: key,
      });
      keys.patch('/:id', update, async (request) => {
        const raw = parseJsonBody(request.body);
        refuseProtectedFields(raw);
        return apiKeys.updateOwn(
          userIdOf(request),
          (request.params as { id: string }).id,
          raw as ApiKeyPatchInput,
          auditContextOf(request),
        );
      });
      const revoke = documented(own, {
        userOnly: true,
        summary: 'Revoke one of your keys',
        params: id,
        responses: key,
      });
      keys.delete('/:id', revoke, async (request) =>
        apiKeys.revokeOwn(userIdOf(request), (request.params as { id: string }).id, auditContextOf(request)),
      );
    },
    { prefix: '/api/keys' },
  );
}
