import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installRoutePolicy, isApiPath, registeredRoutes } from '../../src/server/routes/route-policy.js';
import type { SessionsService } from '../../src/services/sessions.js';
import type { UserRole } from '../../src/store/index.js';
import type { TestGateway } from '../support/gateway.js';
import { api, bearer, type Session, startAuthGateway } from './support.js';

type Expectation = 'public' | 'signed_in' | readonly UserRole[];
const ACCOUNT_USERS: readonly UserRole[] = ['admin', 'operator', 'member'];
const OPERATIONS: readonly UserRole[] = ['admin', 'operator'];
const ADMIN: readonly UserRole[] = ['admin'];
const EVERYONE: readonly UserRole[] = ['admin', 'operator', 'member', 'viewer'];

/**
 * The role matrix, written out independently of src/identity/roles.ts. A route missing here, or
 * here but not registered, fails the test: adding a route means deciding who may call it.
 */
const MATRIX: Record<string, Expectation> = {
  'POST /api/auth/register': 'public',
  'POST /api/auth/login': 'public',
  'POST /api/auth/refresh': 'public',
  'POST /api/auth/logout': 'public',
  'POST /api/auth/password': 'signed_in',
  'GET /api/auth/me': 'signed_in',
  'GET /api/auth/providers': 'public',
  'GET /api/openapi.json': 'public',
  'GET /api/auth/oidc/login': 'public',
  'GET /api/auth/oidc/callback': 'public',
  'GET /api/keys': ACCOUNT_USERS,
  'POST /api/keys': ACCOUNT_USERS,
  'DELETE /api/keys/:id': ACCOUNT_USERS,
  'PATCH /api/keys/:id': ACCOUNT_USERS,
  'GET /api/admin/accounts': ['admin', 'operator', 'viewer'],
  'POST /api/admin/accounts': OPERATIONS,
  'PATCH /api/admin/accounts/:ref': OPERATIONS,
  'DELETE /api/admin/accounts/:ref': OPERATIONS,
  'POST /api/admin/accounts/:ref/test': OPERATIONS,
  'GET /api/admin/keys': ADMIN,
  'POST /api/admin/keys': ADMIN,
  'DELETE /api/admin/keys/:ref': ADMIN,
  'PATCH /api/admin/keys/:ref': ADMIN,
  'GET /api/admin/users': ADMIN,
  'POST /api/admin/users': ADMIN,
  'PATCH /api/admin/users/:id': ADMIN,
  'POST /api/admin/users/:id/disable': ADMIN,
  'PUT /api/admin/users/:id/limits': ADMIN,
  'GET /api/admin/audit': ADMIN,
  'POST /api/admin/backups': ADMIN,
  'GET /api/admin/stats': ['admin', 'operator', 'viewer'],
  'GET /api/admin/requests': ['admin', 'operator', 'viewer'],
  'GET /api/admin/usage/retention': ['admin', 'operator', 'viewer'],
  'POST /api/admin/usage/retention/run': ADMIN,
  'GET /api/admin/models': ['admin', 'operator', 'viewer'],
  'PUT /api/admin/models/:id': ADMIN,
  'DELETE /api/admin/models/:id': ADMIN,
  'POST /api/admin/models/:id/reset': ADMIN,
  'GET /api/admin/model-aliases': ['admin', 'operator', 'viewer'],
  'PUT /api/admin/model-aliases/:alias': ADMIN,
  'DELETE /api/admin/model-aliases/:alias': ADMIN,
  'GET /api/chat/models': EVERYONE,
  'GET /api/conversations': EVERYONE,
  'POST /api/conversations': EVERYONE,
  'PATCH /api/conversations/:id': EVERYONE,
  'DELETE /api/conversations/:id': EVERYONE,
  'GET /api/conversations/:id/messages': EVERYONE,
  'GET /api/conversations/search': EVERYONE,
  'GET /api/conversations/export': EVERYONE,
  'GET /api/conversations/:id/export': EVERYONE,
  'POST /api/conversations/import': EVERYONE,
  'POST /api/chat/attachments': EVERYONE,
  'GET /api/chat/attachments/:id': EVERYONE,
  // Authenticated by its first message; the handshake checks Origin (test/web/chat-socket.test.ts).
  'GET /api/ws': 'public',
  // The admin pages' operations (docs/admin-operations.md).
  'GET /api/admin/workers': ['admin', 'operator', 'viewer'],
  'POST /api/admin/workers/:id/drain': OPERATIONS,
  'POST /api/admin/workers/:id/undrain': OPERATIONS,
  'GET /api/admin/queue': ['admin', 'operator', 'viewer'],
  'POST /api/admin/queue/:id/cancel': OPERATIONS,
  'GET /api/admin/settings': ADMIN,
  'PATCH /api/admin/settings': ADMIN,
};

const ROLES: readonly UserRole[] = ['admin', 'operator', 'member', 'viewer'];
const normalize = (url: string) => (url.length > 1 ? url.replace(/\/$/, '') : url);

describe('route policies', () => {
  let gateway: TestGateway;
  let client: ReturnType<typeof api>;
  const sessions = new Map<UserRole, Session>();
  beforeAll(async () => {
    gateway = await startAuthGateway();
    client = api(gateway);
    for (const role of ROLES) sessions.set(role, await client.userWithRole(role));
  });
  afterAll(() => gateway?.close());

  const apiRoutes = () => {
    const seen = new Map<string, (typeof routes)[number]>();
    const routes = registeredRoutes(gateway.runtime.app).filter(
      (r) => isApiPath(r.url) && r.method !== 'HEAD',
    );
    for (const route of routes) seen.set(`${route.method} ${normalize(route.url)}`, route);
    return seen;
  };

  it('every /api route declares a valid policy, and the matrix lists exactly the registered routes', () => {
    const routes = apiRoutes();
    expect(routes.size).toBeGreaterThanOrEqual(Object.keys(MATRIX).length);
    for (const [name, route] of routes) expect(route.policy, name).toBeDefined();
    expect([...routes.keys()].sort()).toEqual(Object.keys(MATRIX).sort());
    // Public and signed-in routes are what the matrix says (the role checks below skip public ones).
    for (const [name, expectation] of Object.entries(MATRIX)) {
      const access = routes.get(name)?.policy?.access;
      expect(access, name).toBe(typeof expectation === 'string' ? expectation : 'permission');
    }
  });

  it('the inventory sees non-/api routes too (it is not filtering by accident)', () => {
    const all = registeredRoutes(gateway.runtime.app).map((r) => `${r.method} ${r.url}`);
    expect(all).toContain('GET /health');
    expect(all).toContain('GET /v1/models');
  });

  const call = (name: string, headers: Record<string, string>) => {
    const [method, url] = name.split(' ') as [string, string];
    return client.inject({
      method: method as 'GET',
      url: url.replace(/:[a-z]+/g, randomUUID()),
      headers,
      ...(method === 'GET' ? {} : { payload: '{}' }),
    });
  };

  it('checks each role, the anonymous caller and the local admin token against the matrix', async () => {
    for (const [name, expectation] of Object.entries(MATRIX)) {
      const anonymous = await call(name, {});
      expect(anonymous.statusCode, `${name} anonymous`).toBeLessThan(500);
      if (expectation !== 'public') {
        expect(anonymous.statusCode, `${name} anonymous`).toBe(401);
        expect(JSON.parse(anonymous.body).error.type).toBe('authentication_error');
      }
      // Public routes treat everyone alike (and logout would end the sessions used below).
      if (expectation === 'public') continue;
      for (const role of ROLES) {
        const response = await call(name, bearer(sessions.get(role) as Session));
        const allowed = expectation === 'signed_in' || expectation.includes(role);
        expect(response.statusCode, `${name} as ${role}: ${response.body}`).toBeLessThan(500);
        if (allowed) {
          expect([401, 403], `${name} as ${role}: ${response.body}`).not.toContain(response.statusCode);
        } else {
          expect(response.statusCode, `${name} as ${role}`).toBe(403);
          expect(JSON.parse(response.body).error.type).toBe('permission_error');
        }
      }
      // The command line's token is an admin on the admin API; it has no account of its own.
      const local = await call(name, client.asAdminToken);
      if (name.split(' ')[1]?.startsWith('/api/admin/')) {
        expect([401, 403], `${name} with the local admin token: ${local.body}`).not.toContain(
          local.statusCode,
        );
      } else {
        expect(local.statusCode, `${name} with the local admin token`).toBe(403);
      }
    }
  });

  it('refuses to register an /api route without a policy, or with an unknown permission', async () => {
    const deps = { sessions: {} as SessionsService, adminToken: 'x'.repeat(43) };
    const bare = Fastify();
    installRoutePolicy(bare, deps);
    bare.get('/elsewhere', async () => 'fine');
    expect(() => bare.get('/api/forgotten', async () => 'oops')).toThrow(/declares no valid policy/);
    expect(() =>
      bare.get(
        '/api/typo',
        { config: { policy: { access: 'permission', permission: 'everything' as never } } },
        async () => 'x',
      ),
    ).toThrow(/declares no valid policy/);
    await bare.close();

    const nested = Fastify();
    installRoutePolicy(nested, deps);
    void nested.register(
      async (child) => {
        child.post('/forgotten', async () => 'oops');
      },
      { prefix: '/api/admin' },
    );
    await expect(nested.ready()).rejects.toThrow(/declares no valid policy/);
  });
});
