import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { NewUserInput } from '../../services/auth-types.js';
import type { UsersService } from '../../services/users.js';
import { parseJsonBody } from '../json-body.js';
import { auditContextOf, requires } from './route-policy.js';

/** User management: admins only. */
export function registerUserRoutes(app: FastifyInstance, users: UsersService): void {
  void app.register(
    async (admin) => {
      const id = (request: FastifyRequest) => (request.params as { id: string }).id;
      const manage = requires('users:manage');

      admin.get('/users', manage, async () => ({ data: await users.list() }));
      admin.post('/users', manage, async (request, reply) => {
        const created = await users.create(
          parseJsonBody(request.body) as NewUserInput,
          auditContextOf(request),
        );
        return reply.code(201).header('cache-control', 'no-store').send(created);
      });
      admin.patch('/users/:id', manage, async (request) =>
        users.changeRole(id(request), parseJsonBody(request.body), auditContextOf(request)),
      );
      admin.post('/users/:id/disable', manage, async (request) =>
        users.disable(id(request), auditContextOf(request)),
      );
    },
    { prefix: '/api/admin' },
  );
}
