import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, bearer, expectError, startAuthGateway } from '../auth/support.js';
import { flushUsage, type TestGateway } from '../support/gateway.js';

const MODEL = 'claude-sonnet-4-6';
const ask = (content = 'hi') => ({
  model: MODEL,
  max_tokens: 16,
  messages: [{ role: 'user' as const, content }],
});

/** Per-key and per-user limits through the official SDK: what a client actually sees. */
describe('API key limits, budgets and models', () => {
  let gateway: TestGateway;
  let admin: ReturnType<typeof api>;

  beforeAll(async () => {
    gateway = await startAuthGateway({
      accounts: [{ kind: 'mock', name: 'mock', models: [MODEL, 'claude-haiku-4-5'] }],
    });
    admin = api(gateway);
  });
  afterAll(() => gateway?.close());

  const keyWith = async (input: Record<string, unknown>, owner?: string) => {
    const response = await admin.inject({
      method: 'POST',
      url: '/api/admin/keys',
      headers: admin.asAdminToken,
      payload: JSON.stringify({
        name: `k-${Math.random().toString(36).slice(2, 8)}`,
        ...input,
        ...(owner ? { userId: owner } : {}),
      }),
    });
    expect(response.statusCode, response.body).toBe(201);
    const { key, secret } = JSON.parse(response.body) as { key: { id: string }; secret: string };
    return { id: key.id, client: new Anthropic({ apiKey: secret, baseURL: gateway.url, maxRetries: 0 }) };
  };

  it('enforces requests per minute with retry-after and anthropic-ratelimit-* headers', async () => {
    const { client } = await keyWith({ limits: { requestsPerMinute: 2 } });
    const first = await client.messages.create(ask()).withResponse();
    expect(first.response.headers.get('anthropic-ratelimit-requests-limit')).toBe('2');
    expect(first.response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('1');
    expect(
      Date.parse(first.response.headers.get('anthropic-ratelimit-requests-reset') ?? ''),
    ).toBeGreaterThan(Date.now());
    const second = await client.messages.create(ask()).withResponse();
    expect(second.response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    const error = await client.messages.create(ask()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const refused = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(refused.message).toContain('2 requests per minute');
    expect(Number(refused.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers?.get('retry-after'))).toBeLessThanOrEqual(30);
    expect(refused.headers?.get('anthropic-ratelimit-requests-remaining')).toBe('0');
  });

  it('streams carry the headers too, and a refused stream is a plain 429 before any byte', async () => {
    const { client } = await keyWith({ limits: { requestsPerMinute: 1 } });
    const { response } = await client.messages.create({ ...ask(), stream: true }).withResponse();
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    await response.text();
    const error = await client.messages.create({ ...ask(), stream: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
  });

  it('refuses a model the key may not use with 403, and /v1/models lists only allowed ones', async () => {
    const { client } = await keyWith({ models: ['claude-haiku-4-5'] });
    const error = await client.messages.create(ask()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((error as Error).message).toContain(`may not use the model '${MODEL}'`);
    expect((error as Error).message).toContain('claude-haiku-4-5');
    const ok = await client.messages.create({ ...ask(), model: 'claude-haiku-4-5' });
    expect(ok.model).toBe('claude-haiku-4-5');
    const listed = await client.models.list();
    expect(listed.data.map((m) => m.id)).toEqual(['claude-haiku-4-5']);
  });

  it('refuses a second request in flight beyond max concurrency, then admits once it ends', async () => {
    const { client } = await keyWith({ limits: { maxConcurrency: 1 } });
    const slow = client.messages.create(ask('slow [[mock latency=800]]'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const error = await client.messages.create(ask()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as Error).message).toContain('1 request in flight at once');
    await slow;
    await expect(client.messages.create(ask())).resolves.toMatchObject({ type: 'message' });
  });

  it('stops a key at its daily USD budget with 402 billing_error, counting what the ledger holds', async () => {
    const { id, client } = await keyWith({ limits: { usdPerDay: 0.00001 } });
    await client.messages.create(ask('spend something'));
    const error = await client.messages.create(ask()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(402);
    expect((error as Error).message).toMatch(/daily budget of \$0\.00.*resets at \d{4}-\d\d-\d\dT00:00:00/);
    await flushUsage(gateway);
    const rows = await gateway.runtime.store.usage.list({ apiKeyId: id });
    expect(rows).toHaveLength(1); // the refused request never went upstream nor into the ledger
    expect(rows[0]?.costUsd).toBeGreaterThan(0);
  });

  it('starts a token budget from the ledger: spend recorded before a restart still counts', async () => {
    const { id, client } = await keyWith({});
    await client.messages.create(ask('first'));
    await flushUsage(gateway);
    const [row] = await gateway.runtime.store.usage.list({ apiKeyId: id });
    const used = (row?.inputTokens ?? 0) + (row?.outputTokens ?? 0);
    expect(used).toBeGreaterThan(0);
    // A budget set now, below what was already spent today, refuses at once.
    const patched = await admin.inject({
      method: 'PATCH',
      url: `/api/admin/keys/${id}`,
      headers: admin.asAdminToken,
      payload: JSON.stringify({ limits: { tokensPerDay: used } }),
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const error = await client.messages.create(ask()).catch((e: unknown) => e);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(402);
    expect((error as Error).message).toContain(`daily budget of ${used} tokens`);
  });

  it('holds every key to its owner: user limits apply across keys, and a wider key is refused', async () => {
    const member = await admin.userWithRole('member');
    const setLimits = await admin.inject({
      method: 'PUT',
      url: `/api/admin/users/${member.userId}/limits`,
      headers: admin.asAdminToken,
      payload: JSON.stringify({ limits: { requestsPerMinute: 1 }, models: [MODEL] }),
    });
    expect(setLimits.statusCode, setLimits.body).toBe(200);

    const wider = await admin.inject({
      method: 'POST',
      url: '/api/keys',
      headers: bearer(member),
      payload: JSON.stringify({ name: 'wide', limits: { requestsPerMinute: 100 } }),
    });
    expect(expectError(wider, 403, 'permission_error')).toContain('requestsPerMinute: 100 is more than');
    const otherModel = await admin.inject({
      method: 'POST',
      url: '/api/keys',
      headers: bearer(member),
      payload: JSON.stringify({ name: 'haiku', models: ['claude-haiku-4-5'] }),
    });
    expect(expectError(otherModel, 403, 'permission_error')).toContain('claude-haiku-4-5');

    const first = await keyWith({}, member.userId);
    const second = await keyWith({}, member.userId);
    await first.client.messages.create(ask());
    const error = await second.client.messages.create(ask()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as Error).message).toContain("This key's owner is limited to 1 requests per minute");
    const haiku = await second.client.messages
      .create({ ...ask(), model: 'claude-haiku-4-5' })
      .catch((e: unknown) => e);
    expect(haiku).toBeInstanceOf(Anthropic.PermissionDeniedError);
  });

  it('applies a changed limit at once and records the change in the audit log', async () => {
    const { id, client } = await keyWith({});
    await client.messages.create(ask());
    const patched = await admin.inject({
      method: 'PATCH',
      url: `/api/admin/keys/${id}`,
      headers: admin.asAdminToken,
      payload: JSON.stringify({ models: ['claude-haiku-4-5'] }),
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(JSON.parse(patched.body)).toMatchObject({ id, models: ['claude-haiku-4-5'] });
    await expect(client.messages.create(ask())).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    const audit = await admin.inject({
      method: 'GET',
      url: `/api/admin/audit?action=api_key.update&target=${id}`,
      headers: admin.asAdminToken,
    });
    expect(audit.statusCode, audit.body).toBe(200);
    expect(audit.body).toContain('claude-haiku-4-5');
  });

  it('rejects malformed limits with a clear 400 naming the field', async () => {
    const response = await admin.inject({
      method: 'POST',
      url: '/api/admin/keys',
      headers: admin.asAdminToken,
      payload: JSON.stringify({ name: 'bad', limits: { requestsPerMinute: -1, bogus: 1 } }),
    });
    const message = expectError(response, 400, 'invalid_request_error');
    expect(message).toContain('limits');
  });
});
