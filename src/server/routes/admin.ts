import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthenticationError } from '../../errors.js';
import type { AccountsService } from '../../services/accounts.js';
import type { NewAccountInput, AccountPatchInput, NewApiKeyInput } from '../../services/admin-types.js';
import type { ApiKeysService } from '../../services/api-keys.js';
import { clientKeyFrom } from '../client-credentials.js';
import { parseJsonBody } from '../json-body.js';

export interface AdminRouteDeps {
  accounts: AccountsService;
  apiKeys: ApiKeysService;
  /** The local admin token in the data dir, which the command line uses to reach a running server. */
  adminToken: string;
}

function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The admin REST API. For now it admits the local admin token only; user sessions and roles
 * arrive with the people-and-keys work.
 */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  void app.register(
    async (admin) => {
      admin.addHook('onRequest', async (request) => {
        if (!tokenMatches(clientKeyFrom(request.headers), deps.adminToken)) {
          throw new AuthenticationError('The admin API needs the local admin token.');
        }
      });
      const body = (request: FastifyRequest) => parseJsonBody(request.body);
      const ref = (request: FastifyRequest) => (request.params as { ref: string }).ref;

      admin.get('/accounts', async () => ({ data: await deps.accounts.list() }));
      admin.post('/accounts', async (request, reply) =>
        reply.code(201).send(await deps.accounts.add(body(request) as NewAccountInput, request.ip)),
      );
      admin.patch('/accounts/:ref', async (request) =>
        deps.accounts.update(ref(request), body(request) as AccountPatchInput, request.ip),
      );
      admin.delete('/accounts/:ref', async (request, reply) => {
        await deps.accounts.remove(ref(request), request.ip);
        return reply.code(204).send();
      });
      admin.post('/accounts/:ref/test', async (request) => deps.accounts.test(ref(request)));

      admin.get('/keys', async () => ({ data: await deps.apiKeys.list() }));
      admin.post('/keys', async (request, reply) =>
        reply
          .code(201)
          .send(await deps.apiKeys.create(body(request) as NewApiKeyInput, undefined, request.ip)),
      );
      admin.delete('/keys/:ref', async (request) => deps.apiKeys.revoke(ref(request), request.ip));
    },
    { prefix: '/api/admin' },
  );
}
