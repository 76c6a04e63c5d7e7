import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';
import { flushUsage, startTestGateway, type TestGateway } from '../support/gateway.js';

/** The official SDK, as teams use it, against a gateway whose account is an Anthropic-API account on the mock upstream. */
describe('the official Anthropic SDK through the gateway', () => {
  let upstream: MockUpstreamServer;
  let gateway: TestGateway;
  let client: Anthropic;
  const UPSTREAM_KEY = 'sk-ant-test-upstream-credential-canary';

  beforeAll(async () => {
    upstream = await startMockUpstream({ behavior: { expectedApiKey: UPSTREAM_KEY } });
    gateway = await startTestGateway({
      accounts: [{ kind: 'anthropic_api', name: 'main', apiKey: UPSTREAM_KEY, baseUrl: upstream.url }],
    });
    client = new Anthropic({ apiKey: gateway.key, baseURL: gateway.url, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('answers a non-streaming request and records its usage', async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    expect(message.type).toBe('message');
    expect(message.content[0]?.type).toBe('text');
    expect(message.usage.output_tokens).toBe(20);
    await flushUsage(gateway);
    const rows = await gateway.runtime.store.usage.list({ limit: 10 });
    const row = rows.find((r) => r.outputTokens === 20 && !r.stream);
    expect(row).toBeDefined();
    expect(row?.status).toBe(200);
    expect(row?.inputTokens).toBe(message.usage.input_tokens);
    expect(row?.costUsd).toBeGreaterThan(0);
  });

  it('streams, passing every event through', async () => {
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Stream please' }],
    });
    let deltas = 0;
    stream.on('text', () => {
      deltas += 1;
    });
    const final = await stream.finalMessage();
    expect(deltas).toBe(20);
    expect(final.usage.output_tokens).toBe(20);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('maps a bad key to 401 authentication_error', async () => {
    const bad = new Anthropic({ apiKey: 'sk-sy-not-a-real-key', baseURL: gateway.url, maxRetries: 0 });
    const error = await bad.messages
      .create({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as InstanceType<typeof Anthropic.AuthenticationError>).status).toBe(401);
  });

  it('maps a bad request to 400 invalid_request_error naming the field', async () => {
    const error = await client.messages
      .create({ model: 'claude-sonnet-4-6', max_tokens: -1, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(String((error as Error).message)).toContain('max_tokens');
  });

  it('counts tokens and lists models', async () => {
    const counted = await client.messages.countTokens({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: 'twelve chars' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    const models = await client.models.list();
    expect(models.data.length).toBeGreaterThan(0);
  });

  it('never sends the client key upstream, only the account credential', async () => {
    await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'x' }],
    });
    const stats = (await (await fetch(`${upstream.url}/_mock/stats`)).json()) as {
      lastHeaders: Record<string, string>;
    };
    expect(stats.lastHeaders['x-api-key']).toBe(UPSTREAM_KEY);
    expect(JSON.stringify(stats.lastHeaders)).not.toContain(gateway.key);
    expect(gateway.logs.join('')).not.toContain(UPSTREAM_KEY);
    expect(gateway.logs.join('')).not.toContain(gateway.key);
  });
});
