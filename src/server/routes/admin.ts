import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AccountsService } from '../../services/accounts.js';
import type { AccountPatchInput, ApiKeyPatchInput, NewAccountInput } from '../../services/admin-types.js';
import {
  accountPatchInput,
  newAccountInput,
  newApiKeyInput,
  apiKeyPatchInput,
} from '../../services/admin-types.js';
import type { ApiKeysService } from '../../services/api-keys.js';
import { parseInput } from '../../services/parse-input.js';
import { parseJsonBody } from '../json-body.js';
import { documented, named } from '../openapi/route-doc.js';
import { views } from '../openapi/views.js';
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

      const account = { ref: 'The account id or name.' };
      const keyRef = { ref: 'The key id or name.' };
      const readAccounts = requires('accounts:read');
      const writeAccounts = requires('accounts:write');
      const allKeys = requires('keys:all');

      admin.get(
        '/accounts',
        documented(readAccounts, {
          summary: 'Upstream accounts, with their state (never their credentials)',
          responses: { 200: { description: 'Every account.', schema: views.accounts } },
        }),
        async () => ({ data: await deps.accounts.list() }),
      );
      admin.post(
        '/accounts',
        documented(writeAccounts, {
          summary: 'Add an upstream account',
          description: 'A base URL must pass the SSRF check (docs/security.md).',
          body: named('NewAccount', newAccountInput),
          responses: { 201: { description: 'The account.', schema: views.account } },
        }),
        async (request, reply) =>
          reply
            .code(201)
            .send(await deps.accounts.add(body(request) as NewAccountInput, auditContextOf(request))),
      );
      admin.patch(
        '/accounts/:ref',
        documented(writeAccounts, {
          summary: "Change an account's credential, base URL, limits, models or state",
          body: named('AccountPatch', accountPatchInput),
          params: account,
          responses: { 200: { description: 'The account.', schema: views.account } },
        }),
        async (request) =>
          deps.accounts.update(ref(request), body(request) as AccountPatchInput, auditContextOf(request)),
      );
      admin.delete(
        '/accounts/:ref',
        documented(writeAccounts, {
          summary: 'Remove an account',
          params: account,
          responses: { 204: { description: 'Removed.' } },
        }),
        async (request, reply) => {
          await deps.accounts.remove(ref(request), auditContextOf(request));
          return reply.code(204).send();
        },
      );
      admin.post(
        '/accounts/:ref/test',
        documented(writeAccounts, {
          summary: 'Send one small request through the account',
          body: null,
          params: account,
          responses: { 200: { description: 'What the upstream answered.', schema: views.accountTest } },
        }),
        async (request) => deps.accounts.test(ref(request)),
      );

      admin.get(
        '/keys',
        documented(allKeys, {
          summary: "Every user's API keys",
          responses: { 200: { description: 'Every key.', schema: views.apiKeys } },
        }),
        async () => ({ data: await deps.apiKeys.list() }),
      );
      admin.post(
        '/keys',
        documented(allKeys, {
          summary: 'Make an API key for any user (default: the first admin); the secret is shown once',
          body: named('NewApiKeyForUser', adminKeyInput),
          responses: { 201: { description: 'The key and its secret.', schema: views.createdKey } },
        }),
        async (request, reply) => {
          const { userId, ...input } = parseInput(adminKeyInput, body(request));
          return reply.code(201).send(await deps.apiKeys.create(input, userId, auditContextOf(request)));
        },
      );
      admin.patch(
        '/keys/:ref',
        documented(allKeys, {
          summary: "Change any key's name, expiry, limits or models",
          body: named('ApiKeyPatch', apiKeyPatchInput),
          params: keyRef,
          responses: { 200: { description: 'The key.', schema: views.apiKey } },
        }),
        async (request) =>
          deps.apiKeys.update(ref(request), body(request) as ApiKeyPatchInput, auditContextOf(request)),
      );
      admin.delete(
        '/keys/:ref',
        documented(allKeys, {
          summary: 'Revoke any key',
          params: keyRef,
          responses: { 200: { description: 'The revoked key.', schema: views.apiKey } },
        }),
        async (request) => deps.apiKeys.revoke(ref(request), auditContextOf(request)),
      );
    },
    { prefix: '/api/admin' },
  );
}
