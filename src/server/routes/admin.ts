import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AccountsService } from '../../services/accounts.js';
import type { NewAccountInput, AccountPatchInput } from '../../services/admin-types.js';
import { newApiKeyInput } from '../../services/admin-types.js';
import type { ApiKeysService } from '../../services/api-keys.js';
import { parseInput } from '../../services/parse-input.js';
import { parseJsonBody } from '../json-body.js';
import { auditContextOf, requires } from './route-policy.js';

export interface AdminRouteDeps {
  accounts: AccountsService;
  apiKeys: ApiKeysService;
  /** The local admin token in the data dir, which the command line uses to reach a running server. */
  adminToken: string;
}

/** Admins may make a key for any user; without userId it belongs to the first admin (the CLI's way). */
const adminKeyInput = newApiKeyInput.extend({ userId: z.uuid().optional() });

/**
 * Upstream accounts and every user's API keys. The local admin token (the command line) and
 * signed-in users whose role allows it both get in; see route-policy.ts.
 */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  void app.register(
    async (admin) => {
      const body = (request: FastifyRequest) => parseJsonBody(request.body);
      const ref = (request: FastifyRequest) => (request.params as { ref: string }).ref;

      admin.get('/accounts', requires('accounts:read'), async () => ({ data: await deps.accounts.list() }));
      admin.post('/accounts', requires('accounts:write'), async (request, reply) =>
        reply
          .code(201)
          .send(await deps.accounts.add(body(request) as NewAccountInput, auditContextOf(request))),
      );
      admin.patch('/accounts/:ref', requires('accounts:write'), async (request) =>
        deps.accounts.update(ref(request), body(request) as AccountPatchInput, auditContextOf(request)),
      );
      admin.delete('/accounts/:ref', requires('accounts:write'), async (request, reply) => {
        await deps.accounts.remove(ref(request), auditContextOf(request));
        return reply.code(204).send();
      });
      admin.post('/accounts/:ref/test', requires('accounts:write'), async (request) =>
        deps.accounts.test(ref(request)),
      );

      admin.get('/keys', requires('keys:all'), async () => ({ data: await deps.apiKeys.list() }));
      admin.post('/keys', requires('keys:all'), async (request, reply) => {
        const { userId, ...input } = parseInput(adminKeyInput, body(request));
        return reply.code(201).send(await deps.apiKeys.create(input, userId, auditContextOf(request)));
      });
      admin.delete('/keys/:ref', requires('keys:all'), async (request) =>
        deps.apiKeys.revoke(ref(request), auditContextOf(request)),
      );
    },
    { prefix: '/api/admin' },
  );
}
