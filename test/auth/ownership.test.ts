import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isApiPath, registeredRoutes } from '../../src/server/routes/route-policy.js';
import type { TestGateway } from '../support/gateway.js';
import { api, bearer, expectError, type Session, startAuthGateway } from './support.js';

/**
 * Every /api route with an id in its path, and how BOLA is ruled out for it. Routes over a
 * user's own things are tested below with a two-user fixture; the rest are admin-wide by policy.
 */
const ID_ROUTES: Record<string, 'owned: tested below' | 'shared resource, policy-gated'> = {
  'DELETE /api/keys/:id': 'owned: tested below',
  'PATCH /api/keys/:id': 'owned: tested below',
  'PATCH /api/conversations/:id': 'owned: tested below',
  'DELETE /api/conversations/:id': 'owned: tested below',
  'GET /api/conversations/:id/messages': 'owned: tested below',
  'GET /api/conversations/:id/export': 'owned: tested below',
  'GET /api/chat/attachments/:id': 'owned: tested below',
  'PATCH /api/admin/keys/:ref': 'shared resource, policy-gated',
  'PUT /api/admin/users/:id/limits': 'shared resource, policy-gated',
  'PUT /api/admin/models/:id': 'shared resource, policy-gated',
  'DELETE /api/admin/models/:id': 'shared resource, policy-gated',
  'POST /api/admin/models/:id/reset': 'shared resource, policy-gated',
  'PUT /api/admin/model-aliases/:alias': 'shared resource, policy-gated',
  'DELETE /api/admin/model-aliases/:alias': 'shared resource, policy-gated',
  'PATCH /api/admin/accounts/:ref': 'shared resource, policy-gated',
  'DELETE /api/admin/accounts/:ref': 'shared resource, policy-gated',
  'POST /api/admin/accounts/:ref/test': 'shared resource, policy-gated',
  'DELETE /api/admin/keys/:ref': 'shared resource, policy-gated',
  'PATCH /api/admin/users/:id': 'shared resource, policy-gated',
  'POST /api/admin/users/:id/disable': 'shared resource, policy-gated',
  'POST /api/admin/workers/:id/drain': 'shared resource, policy-gated',
  'POST /api/admin/workers/:id/undrain': 'shared resource, policy-gated',
  'POST /api/admin/queue/:id/cancel': 'shared resource, policy-gated',
};

describe('ownership (BOLA) and mass assignment', () => {
  let gateway: TestGateway;
  let client: ReturnType<typeof api>;
  let alice: Session;
  let bob: Session;
  let aliceKeyId: string;
  beforeAll(async () => {
    gateway = await startAuthGateway();
    client = api(gateway);
    alice = await client.userWithRole('member');
    bob = await client.userWithRole('member');
    const created = await client.inject({
      method: 'POST',
      url: '/api/keys',
      headers: bearer(alice),
      payload: '{"name":"alice-laptop"}',
    });
    expect(created.statusCode, created.body).toBe(201);
    aliceKeyId = (JSON.parse(created.body) as { key: { id: string } }).key.id;
  });
  afterAll(() => gateway?.close());

  it('classifies every /api route that takes an id', () => {
    const withIds = registeredRoutes(gateway.runtime.app)
      .filter((r) => isApiPath(r.url) && r.url.includes(':') && r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.url}`);
    expect([...new Set(withIds)].sort()).toEqual(Object.keys(ID_ROUTES).sort());
  });

  it("answers 404 for another user's key, exactly as for a key that does not exist", async () => {
    const theirs = await client.inject({
      method: 'DELETE',
      url: `/api/keys/${aliceKeyId}`,
      headers: bearer(bob),
    });
    const missing = await client.inject({
      method: 'DELETE',
      url: `/api/keys/${randomUUID()}`,
      headers: bearer(bob),
    });
    expectError(theirs, 404, 'not_found_error');
    expectError(missing, 404, 'not_found_error');
    const patched = await client.inject({
      method: 'PATCH',
      url: `/api/keys/${aliceKeyId}`,
      headers: bearer(bob),
      payload: JSON.stringify({ models: ['claude-haiku-4-5'] }),
    });
    expectError(patched, 404, 'not_found_error');
    expect((await gateway.runtime.store.apiKeys.get(aliceKeyId))?.allowedModels).toBeNull();
    expect(JSON.parse(theirs.body).error.message.replace(aliceKeyId, 'ID')).toBe(
      JSON.parse(missing.body).error.message.replace(/[0-9a-f-]{36}/, 'ID'),
    );
    expect((await gateway.runtime.store.apiKeys.get(aliceKeyId))?.revokedAt).toBeNull();
    for (const id of ["' OR 1=1--", '1; DROP TABLE api_keys', '..%2f..%2fadmin']) {
      const response = await client.inject({
        method: 'DELETE',
        url: `/api/keys/${encodeURIComponent(id)}`,
        headers: bearer(bob),
      });
      expectError(response, 404, 'not_found_error');
    }
  });

  it("answers 404 for another user's conversation on every route, and lists only one's own", async () => {
    const created = await client.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: bearer(alice),
      payload: '{"title":"alice only"}',
    });
    expect(created.statusCode, created.body).toBe(201);
    const conversationId = (JSON.parse(created.body) as { id: string }).id;
    for (const id of [conversationId, randomUUID()]) {
      const url = `/api/conversations/${id}`;
      expectError(
        await client.inject({ method: 'GET', url: `${url}/messages`, headers: bearer(bob) }),
        404,
        'not_found_error',
      );
      for (const format of ['json', 'markdown']) {
        expectError(
          await client.inject({ method: 'GET', url: `${url}/export?format=${format}`, headers: bearer(bob) }),
          404,
          'not_found_error',
        );
      }
      expectError(
        await client.inject({ method: 'PATCH', url, headers: bearer(bob), payload: '{"title":"mine now"}' }),
        404,
        'not_found_error',
      );
      expectError(
        await client.inject({ method: 'DELETE', url, headers: bearer(bob) }),
        404,
        'not_found_error',
      );
    }
    const listed = (who: Session) =>
      client
        .inject({ method: 'GET', url: '/api/conversations', headers: bearer(who) })
        .then((r) => (JSON.parse(r.body) as { data: Array<{ id: string; title: string }> }).data);
    expect(await listed(bob)).toEqual([]);
    expect((await listed(alice)).map((c) => [c.id, c.title])).toEqual([[conversationId, 'alice only']]);
  });

  it("answers 404 for another user's chat attachment, as for a missing one", async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const uploaded = await client.inject({
      method: 'POST',
      url: '/api/chat/attachments?name=alice.png',
      headers: { ...bearer(alice), 'content-type': 'image/png' },
      payload: png,
    });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const { id } = JSON.parse(uploaded.body) as { id: string };
    const own = await client.inject({
      method: 'GET',
      url: `/api/chat/attachments/${id}`,
      headers: bearer(alice),
    });
    expect(own.statusCode).toBe(200);
    for (const other of [id, randomUUID(), 'not-an-id']) {
      expectError(
        await client.inject({ method: 'GET', url: `/api/chat/attachments/${other}`, headers: bearer(bob) }),
        404,
        'not_found_error',
      );
    }
  });

  it("lists only one's own keys", async () => {
    const bobs = JSON.parse(
      (await client.inject({ method: 'GET', url: '/api/keys', headers: bearer(bob) })).body,
    ) as { data: unknown[] };
    expect(bobs.data).toEqual([]);
    const alices = JSON.parse(
      (await client.inject({ method: 'GET', url: '/api/keys', headers: bearer(alice) })).body,
    ) as { data: Array<{ id: string; userId: string }> };
    expect(alices.data.map((k) => k.id)).toEqual([aliceKeyId]);
    expect(alices.data[0]?.userId).toBe(alice.userId);
  });

  it('revokes one’s own key, and the key stops working at once', async () => {
    const created = await client.inject({
      method: 'POST',
      url: '/api/keys',
      headers: bearer(bob),
      payload: '{"name":"ci"}',
    });
    const { key, secret } = JSON.parse(created.body) as { key: { id: string }; secret: string };
    const models = () =>
      client.inject({ method: 'GET', url: '/v1/models', headers: { 'x-api-key': secret } });
    expect((await models()).statusCode).toBe(200);
    const revoked = await client.inject({
      method: 'DELETE',
      url: `/api/keys/${key.id}`,
      headers: bearer(bob),
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect((await models()).statusCode).toBe(401);
  });

  it('refuses a key payload naming another owner or wider rights (mass assignment)', async () => {
    for (const field of ['userId', 'user_id', 'ownerId', 'role', 'scopes']) {
      const payload = JSON.stringify({
        name: 'sneaky',
        [field]: field === 'role' ? 'admin' : field === 'scopes' ? ['*'] : alice.userId,
      });
      expectError(
        await client.inject({ method: 'POST', url: '/api/keys', headers: bearer(bob), payload }),
        403,
        'permission_error',
      );
    }
    expect(await gateway.runtime.store.apiKeys.list({ userId: alice.userId })).toHaveLength(1);
    expect(
      (await gateway.runtime.store.apiKeys.list({ userId: bob.userId })).every((k) => k.name !== 'sneaky'),
    ).toBe(true);
  });

  it('lets an admin make a key for another user; a key is never wider than its owner', async () => {
    const admin = await client.userWithRole('admin');
    const created = await client.inject({
      method: 'POST',
      url: '/api/admin/keys',
      headers: bearer(admin),
      payload: JSON.stringify({ name: 'for-bob', userId: bob.userId }),
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(JSON.parse(created.body).key.userId).toBe(bob.userId);
    const nobody = await client.inject({
      method: 'POST',
      url: '/api/admin/keys',
      headers: bearer(admin),
      payload: JSON.stringify({ name: 'for-nobody', userId: randomUUID() }),
    });
    expectError(nobody, 404, 'not_found_error');
  });

  it('never lets a user change their own role, and keeps the last admin', async () => {
    const admin = await client.userWithRole('admin');
    const own = await client.inject({
      method: 'PATCH',
      url: `/api/admin/users/${admin.userId}`,
      headers: bearer(admin),
      payload: '{"role":"viewer"}',
    });
    expectError(own, 403, 'permission_error');
    // A member cannot reach the route at all, for themselves or anyone.
    const member = await client.inject({
      method: 'PATCH',
      url: `/api/admin/users/${bob.userId}`,
      headers: bearer(bob),
      payload: '{"role":"admin"}',
    });
    expectError(member, 403, 'permission_error');
    expect((await gateway.runtime.store.users.get(bob.userId))?.role).toBe('member');
    // Role changes take effect on the next request, without a new token.
    const promoted = await client.inject({
      method: 'PATCH',
      url: `/api/admin/users/${bob.userId}`,
      headers: bearer(admin),
      payload: '{"role":"operator"}',
    });
    expect(promoted.statusCode, promoted.body).toBe(200);
    expect(
      (await client.inject({ method: 'GET', url: '/api/admin/accounts', headers: bearer(bob) })).statusCode,
    ).toBe(200);
    const extra = await client.inject({
      method: 'PATCH',
      url: `/api/admin/users/${bob.userId}`,
      headers: bearer(admin),
      payload: '{"role":"member","mustChangePassword":false}',
    });
    expectError(extra, 400, 'invalid_request_error');
  });

  it('manages users: create with a one-time password, list without hashes, disable', async () => {
    const created = await client.inject({
      method: 'POST',
      url: '/api/admin/users',
      headers: client.asAdminToken,
      payload: '{"username":"carol","role":"viewer"}',
    });
    expect(created.statusCode, created.body).toBe(201);
    const { user, password } = JSON.parse(created.body) as {
      user: { id: string; mustChangePassword: boolean };
      password: string;
    };
    expect(user.mustChangePassword).toBe(true);
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect((await client.login('carol', password)).statusCode).toBe(200);
    const listed = await client.inject({
      method: 'GET',
      url: '/api/admin/users',
      headers: client.asAdminToken,
    });
    expect(listed.body).not.toMatch(/argon2|passwordHash/);
    expect(JSON.parse(listed.body).data.map((u: { username: string }) => u.username)).toContain('carol');
    const taken = await client.inject({
      method: 'POST',
      url: '/api/admin/users',
      headers: client.asAdminToken,
      payload: '{"username":"carol","role":"viewer"}',
    });
    expect(taken.statusCode).toBe(409);
    const disabled = await client.inject({
      method: 'POST',
      url: `/api/admin/users/${user.id}/disable`,
      headers: client.asAdminToken,
    });
    expect(JSON.parse(disabled.body).disabledAt).not.toBeNull();
    expect(
      (
        await client.inject({
          method: 'POST',
          url: `/api/admin/users/${user.id}/disable`,
          headers: client.asAdminToken,
        })
      ).statusCode,
    ).toBe(409);
  });

  it('revokes a disabled user’s API keys', async () => {
    const dave = await client.userWithRole('member');
    const created = await client.inject({
      method: 'POST',
      url: '/api/keys',
      headers: bearer(dave),
      payload: '{"name":"dave"}',
    });
    const { secret } = JSON.parse(created.body) as { secret: string };
    const models = () =>
      client.inject({ method: 'GET', url: '/v1/models', headers: { 'x-api-key': secret } });
    expect((await models()).statusCode).toBe(200);
    await client.inject({
      method: 'POST',
      url: `/api/admin/users/${dave.userId}/disable`,
      headers: client.asAdminToken,
    });
    expect((await models()).statusCode).toBe(401);
  });
});
