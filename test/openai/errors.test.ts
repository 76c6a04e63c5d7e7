import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';
import { flushUsage, startTestGateway, waitFor, type TestGateway } from '../support/gateway.js';

const MODEL = 'claude-sonnet-4-6';

interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Checks the OpenAI error shape exactly, and returns the error. */
function expectOpenAiError(
  response: { statusCode: number; body: string; headers: Record<string, unknown> },
  status: number,
  type: string,
): OpenAiErrorBody['error'] {
  expect(response.statusCode).toBe(status);
  const body = JSON.parse(response.body) as OpenAiErrorBody;
  expect(Object.keys(body)).toStrictEqual(['error']);
  expect(Object.keys(body.error).sort()).toStrictEqual(['code', 'message', 'param', 'type']);
  expect(body.error.type).toBe(type);
  expect(response.headers['x-request-id']).toMatch(/^req_/);
  expect(response.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
  return body.error;
}

/** Errors on the OpenAI route come in OpenAI's shape with the status OpenAI clients expect. */
describe('POST /v1/chat/completions errors', () => {
  let upstream: MockUpstreamServer;
  let gateway: TestGateway;
  let client: OpenAI;

  const post = (payload: string | Buffer, headers: Record<string, string> = {}) =>
    gateway.runtime.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload,
      headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json', ...headers },
    });
  const ask = (
    content: string,
    extra: Partial<OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming> = {},
  ) => client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content }], ...extra });

  beforeAll(async () => {
    upstream = await startMockUpstream();
    gateway = await startTestGateway({
      accounts: [{ kind: 'anthropic_api', name: 'main', apiKey: 'sk-ant-x', baseUrl: upstream.url }],
    });
    client = new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('answers bad input with 400 invalid_request_error naming the field in message and param', async () => {
    const user = [{ role: 'user', content: 'x' }];
    const cases: Array<[unknown, string | null]> = [
      [{ messages: user }, 'model'],
      [{ model: MODEL, messages: [] }, 'messages'],
      [{ model: MODEL, messages: [{ role: 'user' }] }, 'messages.0.content'],
      [{ model: MODEL, messages: user, temperature: 3 }, 'temperature'],
      [{ model: MODEL, messages: user, max_tokens: -1 }, 'max_tokens'],
      [{ model: MODEL, messages: user, stream: 'yes' }, 'stream'],
      [{ model: MODEL, messages: user, n: 3 }, 'n'],
      [{ model: MODEL, messages: user, response_format: { type: 'json_schema' } }, 'response_format'],
      [[1, 2], null],
    ];
    for (const [body, field] of cases) {
      const error = expectOpenAiError(await post(JSON.stringify(body)), 400, 'invalid_request_error');
      expect(error.param).toBe(field);
      expect(error.message.startsWith(`${field ?? 'body'}: `)).toBe(true);
    }
    expectOpenAiError(await post('{"model":'), 400, 'invalid_request_error');
    expectOpenAiError(await post(''), 400, 'invalid_request_error');
  });

  it('gives the SDK a BadRequestError it can read', async () => {
    const error = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], temperature: 5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const bad = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(bad.param).toBe('temperature');
    expect(bad.type).toBe('invalid_request_error');
    expect(bad.requestID).toMatch(/^req_/);
  });

  it('answers a bad or missing key with 401 in OpenAI shape', async () => {
    const bad = new OpenAI({ apiKey: 'sk-sy-not-a-real-key', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const error = await bad.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
    const missing = await post(JSON.stringify({ model: MODEL, messages: [] }), { authorization: '' });
    expect(expectOpenAiError(missing, 401, 'invalid_request_error').code).toBe('invalid_api_key');
  });

  it('answers a body over the limit with 413 in OpenAI shape', async () => {
    const huge = Buffer.alloc(33 * 1024 * 1024, 0x20);
    const error = expectOpenAiError(await post(huge), 413, 'invalid_request_error');
    expect(error.code).toBe('request_too_large');
  });

  it('passes an upstream 400 on as a 400 in OpenAI shape, streaming or not, and records it', async () => {
    const error = await ask('[[mock status=400]]').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const bad = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(bad.type).toBe('invalid_request_error');
    expect(bad.message).toMatch(/^400 /);
    await flushUsage(gateway);
    const row = await waitFor(
      async () => (await gateway.runtime.store.usage.list({ requestId: bad.requestID! }))[0],
    );
    expect(row).toMatchObject({ status: 400, errorType: 'upstream_400' });

    const streamed = await post(
      JSON.stringify({
        model: MODEL,
        stream: true,
        messages: [{ role: 'user', content: '[[mock status=400]]' }],
      }),
    );
    expect(streamed.headers['content-type']).toMatch(/^application\/json/);
    expectOpenAiError(streamed, 400, 'invalid_request_error');
  });

  it('turns an error event in the middle of a stream into an error the SDK throws', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: '[[mock error-event-after=3 error-type=overloaded_error]]' }],
    });
    const texts: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) texts.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('overloaded');
    expect(texts.join('').split(' ')).toHaveLength(3);
  });

  it('maps a rate-limited upstream to 429 with retry-after', async () => {
    const error = await ask('[[mock status=429 retry-after=1]]').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const limited = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(limited.code).toBe('rate_limit_exceeded');
    expect(Number(limited.headers?.get('retry-after'))).toBeGreaterThan(0);
  });

  it('maps an overloaded upstream to 503 server_error', async () => {
    const error = await ask('[[mock status=529]]').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    const overloaded = error as InstanceType<typeof OpenAI.InternalServerError>;
    expect(overloaded.status).toBe(503);
    expect(overloaded.type).toBe('server_error');
    expect(overloaded.code).toBe('overloaded');
  });
});
