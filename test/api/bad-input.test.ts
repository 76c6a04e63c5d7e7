import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface Injected {
  statusCode: number;
  body: string;
  headers: Record<string, unknown>;
}

function expectAnthropicError(response: Injected, status: number, type: string): string {
  expect(response.statusCode).toBe(status);
  const body = JSON.parse(response.body) as {
    type: string;
    error: { type: string; message: string };
    request_id: string;
  };
  expect(body.type).toBe('error');
  expect(body.error.type).toBe(type);
  expect(body.request_id).toMatch(/^req_/);
  expect(response.headers['request-id']).toBe(body.request_id);
  expect(response.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
  return body.error.message;
}

/** Bad input gets a clear 4xx in Anthropic's shape; never a 500, a stack trace or a crash. */
describe('bad input', () => {
  let gateway: TestGateway;
  let post: (url: string, payload: string | Buffer, headers?: Record<string, string>) => Promise<Injected>;

  beforeAll(async () => {
    gateway = await startTestGateway();
    post = (url, payload, headers = {}) =>
      gateway.runtime.app.inject({
        method: 'POST',
        url,
        payload,
        headers: { 'x-api-key': gateway.key, 'content-type': 'application/json', ...headers },
      });
  });
  afterAll(() => gateway?.close());

  it('names the field that is wrong', async () => {
    const cases: Array<[unknown, string]> = [
      [{ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, 'model'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
      [{ model: 'm', max_tokens: 'five', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
      [{ model: 'm', max_tokens: 5, messages: [] }, 'messages'],
      [{ model: 'm', max_tokens: 5, messages: [{ role: 'user' }] }, 'messages.0.content'],
      [{ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
      [[1, 2, 3], 'body'],
    ];
    for (const [body, field] of cases) {
      const message = expectAnthropicError(
        await post('/v1/messages', JSON.stringify(body)),
        400,
        'invalid_request_error',
      );
      expect(message.startsWith(field)).toBe(true);
    }
  });

  it('refuses malformed JSON, empty bodies and prototype poisoning', async () => {
    expectAnthropicError(await post('/v1/messages', '{"model":'), 400, 'invalid_request_error');
    expectAnthropicError(await post('/v1/messages', ''), 400, 'invalid_request_error');
    const poisoned =
      '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"__proto__":{"admin":true}}';
    expectAnthropicError(await post('/v1/messages', poisoned), 400, 'invalid_request_error');
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expectAnthropicError(await post('/v1/messages', deep), 400, 'invalid_request_error');
    expectAnthropicError(
      await post('/v1/messages', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
      400,
      'invalid_request_error',
    );
  });

  it('never lets a client choose the upstream', async () => {
    for (const field of ['base_url', 'api_base', 'baseURL']) {
      const body = {
        model: 'm',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
        [field]: 'http://127.0.0.1:1',
      };
      const message = expectAnthropicError(
        await post('/v1/messages', JSON.stringify(body)),
        400,
        'invalid_request_error',
      );
      expect(message).toContain(field);
    }
  });

  it('answers oversized bodies with 413 request_too_large', async () => {
    const big = JSON.stringify({
      model: 'm',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x'.repeat(33 * 1024 * 1024) }],
    });
    expectAnthropicError(await post('/v1/messages', big), 413, 'request_too_large');
    // Other routes take small bodies only.
    const admin = await gateway.runtime.app.inject({
      method: 'POST',
      url: '/api/admin/keys',
      payload: 'x'.repeat(2 * 1024 * 1024),
      headers: { authorization: `Bearer ${gateway.runtime.adminToken}` },
    });
    expectAnthropicError(admin, 413, 'request_too_large');
  });

  it('accepts a body just under 32 MB', async () => {
    const body = JSON.stringify({
      model: 'm',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'y'.repeat(31 * 1024 * 1024) }],
    });
    const response = await post('/v1/messages', body);
    expect(response.statusCode).toBe(200);
  });

  it('treats SQL in the key as an unknown key', async () => {
    for (const key of ["' OR 1=1--", "sk-sy-' OR '1'='1", 'sk-sy-x"; DROP TABLE api_keys;--']) {
      expectAnthropicError(
        await post('/v1/messages', '{}', { 'x-api-key': key }),
        401,
        'authentication_error',
      );
      const bearer = await gateway.runtime.app.inject({
        method: 'POST',
        url: '/v1/messages',
        payload: '{}',
        headers: { authorization: `Bearer ${key}` },
      });
      expectAnthropicError(bearer, 401, 'authentication_error');
    }
    expect(await gateway.runtime.store.apiKeys.list()).toHaveLength(1);
  });

  it('accepts what Claude Code sends: HEAD /, ?beta=true, beta lists, unknown headers', async () => {
    const head = await gateway.runtime.app.inject({ method: 'HEAD', url: '/' });
    expect(head.statusCode).toBe(200);
    const body = JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x' }],
    });
    const response = await post('/v1/messages?beta=true', body, {
      'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,some-future-beta',
      'anthropic-version': '2023-06-01',
      'x-claude-code-session-id': 'abc',
      'x-something-new': '1',
    });
    expect(response.statusCode).toBe(200);
  });

  it('answers unknown routes with not_found_error', async () => {
    const response = await gateway.runtime.app.inject({ method: 'GET', url: '/v2/nothing' });
    expectAnthropicError(response, 404, 'not_found_error');
  });

  it('survives arbitrary JSON bodies (fuzz): always a 2xx or a 4xx in Anthropic shape', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          fc.record({
            model: fc.oneof(fc.string(), fc.constant('claude-sonnet-4-6'), fc.integer()),
            max_tokens: fc.oneof(fc.integer({ min: -5, max: 50 }), fc.string(), fc.constant(null)),
            messages: fc.oneof(
              fc.array(
                fc.record({
                  role: fc.string(),
                  content: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 2 })),
                }),
                {
                  maxLength: 3,
                },
              ),
              fc.jsonValue({ maxDepth: 2 }),
            ),
            stream: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
            constructor: fc.option(fc.jsonValue({ maxDepth: 1 }), { nil: undefined }),
          }),
        ),
        async (body) => {
          const response = await post('/v1/messages', JSON.stringify(body) ?? 'null');
          expect(response.statusCode).toBeLessThan(500);
          if (response.statusCode >= 400) {
            expect(JSON.parse(response.body)).toMatchObject({
              type: 'error',
              error: { type: expect.any(String) },
            });
          }
        },
      ),
      { numRuns: 150 },
    );
    const health = await gateway.runtime.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
  });

  it('exposes Prometheus metrics for what happened', async () => {
    const response = await gateway.runtime.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    for (const name of [
      'switchyard_requests_total',
      'switchyard_request_duration_seconds_bucket',
      'switchyard_time_to_first_token_seconds_bucket',
      'switchyard_tokens_total',
      'switchyard_account_state',
      'switchyard_account_in_flight',
      'switchyard_queue_depth',
    ]) {
      expect(response.body).toContain(name);
    }
    expect(response.body).toMatch(
      /switchyard_account_state\{account="mock-demo",kind="mock",state="active"\} 1/,
    );
  });

  // Last: it closes the database under the running gateway.
  it('reports ready while the database answers and 503 once it does not, staying alive', async () => {
    const ready = await gateway.runtime.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    await gateway.runtime.store.close();
    // /ready caches its probes for a second (server/readiness.ts).
    await expect
      .poll(async () => (await gateway.runtime.app.inject({ method: 'GET', url: '/ready' })).statusCode, {
        timeout: 5_000,
      })
      .toBe(503);
    const notReady = await gateway.runtime.app.inject({ method: 'GET', url: '/ready' });
    expect(notReady.statusCode).toBe(503);
    expect(JSON.parse(notReady.body)).toMatchObject({ status: 'not_ready' });
    const health = await gateway.runtime.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
  });
});
