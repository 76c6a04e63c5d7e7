/**
 * Admin settings against a real gateway on a real PostgreSQL database: stored and audited, kept
 * across a restart, effective at once (registration, new keys' default limits), and the
 * compliance switch refusing claude_cli and mock accounts and keeping existing ones out of
 * scheduling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/postgres.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { api, bearer, expectError, PASSWORD, TEST_JWT_SECRET } from '../auth/support.js';

let database: { url: string; drop: () => Promise<void> };
let gateway: TestGateway;

const start = () =>
  startTestGateway({ env: { DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'warn' } });

beforeAll(async () => {
  database = await createTestDatabase();
  gateway = await start();
});
afterAll(async () => {
  await gateway?.close();
  await database?.drop();
});

const asAdmin = () => ({ authorization: `Bearer ${gateway.runtime.adminToken}` });
const inject = (
  method: 'GET' | 'PATCH' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = asAdmin(),
) =>
  gateway.runtime.app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
const settings = async () => {
  const response = await inject('GET', '/api/admin/settings');
  expect(response.statusCode, response.body).toBe(200);
  return JSON.parse(response.body) as {
    values: {
      registrationOpen: boolean;
      anthropicApiOnly: boolean;
      defaultKeyLimits: Record<string, number>;
    };
    meta: Record<string, { source: string; updatedBy: string | null }>;
    excludedAccounts: Array<{ name: string; kind: string }>;
  };
};
const register = (username: string) =>
  inject('POST', '/api/auth/register', { username, password: PASSWORD }, {});

function message(key: string) {
  return fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });
}

describe('admin settings', () => {
  it('starts from the environment, and the registration switch takes effect at once', async () => {
    const initial = await settings();
    expect(initial.values).toEqual({
      registrationOpen: false,
      anthropicApiOnly: false,
      defaultKeyLimits: {},
    });
    expect(initial.meta['registrationOpen']?.source).toBe('default');
    expectError(await register('early-bird'), 403, 'permission_error');

    const admin = await api(gateway).userWithRole('admin');
    const opened = await inject('PATCH', '/api/admin/settings', { registrationOpen: true }, bearer(admin));
    expect(opened.statusCode, opened.body).toBe(200);
    expect(JSON.parse(opened.body).meta.registrationOpen).toMatchObject({
      source: 'database',
      updatedBy: admin.userId,
    });
    expect((await register('early-bird')).statusCode).toBe(201);

    expect((await inject('PATCH', '/api/admin/settings', { registrationOpen: false })).statusCode).toBe(200);
    expectError(await register('late-bird'), 403, 'permission_error');

    // Each change is in the audit log with who, what and both values.
    const audit = await inject('GET', '/api/admin/audit?action=settings.update');
    const entries = (JSON.parse(audit.body) as { data: Array<Record<string, unknown>> }).data;
    expect(entries.map((e) => [e['actorType'], e['targetId'], e['details']])).toEqual([
      ['cli', 'registrationOpen', { setting: 'registrationOpen', from: 'true', to: 'false' }],
      ['user', 'registrationOpen', { setting: 'registrationOpen', from: 'false', to: 'true' }],
    ]);
  });

  it('refuses bad input with Anthropic-shaped errors, and a viewer', async () => {
    expectError(await inject('PATCH', '/api/admin/settings', {}), 400, 'invalid_request_error');
    expectError(
      await inject('PATCH', '/api/admin/settings', { registrationOpen: 'yes' }),
      400,
      'invalid_request_error',
    );
    expectError(
      await inject('PATCH', '/api/admin/settings', { colour: 'red' }),
      400,
      'invalid_request_error',
    );
    expectError(
      await inject('PATCH', '/api/admin/settings', { defaultKeyLimits: { requestsPerMinute: -1 } }),
      400,
      'invalid_request_error',
    );
    const viewer = await api(gateway).userWithRole('viewer');
    expectError(
      await inject('GET', '/api/admin/settings', undefined, bearer(viewer)),
      403,
      'permission_error',
    );
  });

  it('gives new keys the default limits, under the owner’s own', async () => {
    const set = await inject('PATCH', '/api/admin/settings', {
      defaultKeyLimits: { requestsPerMinute: 30, tokensPerMinute: 9000 },
    });
    expect(set.statusCode, set.body).toBe(200);
    const made = await inject('POST', '/api/admin/keys', { name: 'defaulted' });
    expect(JSON.parse(made.body).key.limits).toEqual({ requestsPerMinute: 30, tokensPerMinute: 9000 });
    const explicit = await inject('POST', '/api/admin/keys', { name: 'explicit', limits: { usdPerDay: 2 } });
    expect(JSON.parse(explicit.body).key.limits).toEqual({ usdPerDay: 2 });
    // An owner capped below a default keeps their own ceiling; the key is still made.
    const member = await api(gateway).userWithRole('member');
    const capped = await inject('PUT', `/api/admin/users/${member.userId}/limits`, {
      limits: { requestsPerMinute: 10 },
    });
    expect(capped.statusCode, capped.body).toBe(200);
    const own = await inject('POST', '/api/keys', { name: 'mine' }, bearer(member));
    expect(own.statusCode, own.body).toBe(201);
    expect(JSON.parse(own.body).key.limits).toEqual({ tokensPerMinute: 9000 });
    await inject('PATCH', '/api/admin/settings', { defaultKeyLimits: {} });
  });

  it('compliance switch: refuses claude_cli and mock accounts, and stops scheduling existing ones', async () => {
    expect((await message(gateway.key)).status).toBe(200);
    const on = await inject('PATCH', '/api/admin/settings', { anthropicApiOnly: true });
    expect(on.statusCode, on.body).toBe(200);
    expect(JSON.parse(on.body).excludedAccounts).toEqual([
      expect.objectContaining({ name: 'mock-demo', kind: 'mock' }),
    ]);

    for (const kind of ['mock', 'claude_cli']) {
      const refused = expectError(
        await inject('POST', '/api/admin/accounts', { kind, name: `no-${kind.replace('_', '-')}` }),
        409,
        'invalid_request_error',
      );
      expect(refused).toContain('anthropic_api accounts only');
    }
    // The existing mock account stays in the store but takes no requests.
    expect(gateway.runtime.pool.accounts()).toEqual([]);
    const refused = await message(gateway.key);
    expect(refused.status).toBe(404);
    await refused.arrayBuffer();
    const [mock] = await gateway.runtime.accounts.list();
    expect(mock?.state).toBe('active');
    await inject('PATCH', `/api/admin/accounts/${mock!.id}`, { state: 'disabled' });
    expectError(
      await inject('PATCH', `/api/admin/accounts/${mock!.id}`, { state: 'active' }),
      409,
      'invalid_request_error',
    );
    // anthropic_api accounts are still welcome.
    const compliant = await inject('POST', '/api/admin/accounts', {
      kind: 'anthropic_api',
      name: 'compliant',
      apiKey: 'sk-ant-test',
    });
    expect(compliant.statusCode, compliant.body).toBe(201);
    expect(gateway.runtime.pool.accounts().map((a) => a.name)).toEqual(['compliant']);

    await inject('DELETE', '/api/admin/accounts/compliant');
    expect((await inject('PATCH', '/api/admin/settings', { anthropicApiOnly: false })).statusCode).toBe(200);
    expect((await inject('PATCH', `/api/admin/accounts/${mock!.id}`, { state: 'active' })).statusCode).toBe(
      200,
    );
    expect((await message(gateway.key)).status).toBe(200);
  });

  it('keeps the settings across a restart', async () => {
    await inject('PATCH', '/api/admin/settings', {
      registrationOpen: true,
      defaultKeyLimits: { maxConcurrency: 2 },
    });
    await gateway.close();
    gateway = await start();
    const after = await settings();
    expect(after.values).toEqual({
      registrationOpen: true,
      anthropicApiOnly: false,
      defaultKeyLimits: { maxConcurrency: 2 },
    });
    expect((await register('after-restart')).statusCode).toBe(201);
  });
});
