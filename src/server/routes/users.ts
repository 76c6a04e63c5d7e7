import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { UserLimitsInput } from '../../services/admin-types.js';
import { userLimitsInput } from '../../services/admin-types.js';
import type { NewUserInput } from '../../services/auth-types.js';
import { newUserInput, rolePatchInput } from '../../services/auth-types.js';
import type { UsersService } from '../../services/users.js';
import { parseJsonBody } from '../json-body.js';
import { documented, named } from '../openapi/route-doc.js';
import { views } from '../openapi/views.js';
import { auditContextOf, requires } from './route-policy.js';

/** User management: admins only. */
export function registerUserRoutes(app: FastifyInstance, users: UsersService): void {
  void app.register(
    async (admin) => {
      const id = (request: FastifyRequest) => (request.params as { id: string }).id;
      const manage = requires('users:manage');

      const params = { id: 'The user id.' };
      const user = { 200: { description: 'The user.', schema: views.user } };

      admin.get(
        '/users',
        documented(manage, {
          summary: 'Every user',
          responses: { 200: { description: 'Every user.', schema: views.users } },
        }),
        async () => ({ data: await users.list() }),
      );
      const create = documented(manage, {
        summary: 'Create a user; without a password, a one-time password is returned once',
        body: named('NewUser', newUserInput),
        responses: { 201: { description: 'The user.', schema: views.createdUser } },
      });
      admin.post('/users', create, async (request, reply) => {
        const created = await users.create(
          parseJsonBody(request.body) as NewUserInput,
          auditContextOf(request),
        );
        return reply.code(201).header('cache-control', 'no-store').send(created);
      });
      admin.patch(
        '/users/:id',
        documented(manage, {
          summary: "Change a user's role (never your own; the last admin stays one)",
          body: named('RolePatch', rolePatchInput),
          params,
          responses: user,
        }),
        async (request) =>
          users.changeRole(id(request), parseJsonBody(request.body), auditContextOf(request)),
      );
      admin.put(
        '/users/:id/limits',
        documented(manage, {
          summary: "Set a user's limits and models: the ceiling of every key of theirs",
          body: named('UserLimits', userLimitsInput),
          params,
          responses: user,
        }),
        async (request) =>
          users.setLimits(
            id(request),
            parseJsonBody(request.body) as UserLimitsInput,
            auditContextOf(request),
          ),
      );
      admin.post(
        '/users/:id/disable',
        documented(manage, {
          summary: 'Disable a user: ends their sessions and revokes their keys',
          body: null,
          params,
          responses: user,
        }),
        async (request) => users.disable(id(request), auditContextOf(request)),
      );
    },
    { prefix: '/api/admin' },
  );
}
