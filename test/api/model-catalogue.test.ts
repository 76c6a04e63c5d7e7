import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';
import type { UsageRecord } from '../../src/store/types.js';
import { flushUsage, startTestGateway, waitFor, type TestGateway } from '../support/gateway.js';

const UPSTREAM_KEY = 'sk-ant-catalogue-test';
const ASK = { max_tokens: 16, messages: [{ role: 'user' as const, content: 'hi' }] };

/**
 * Aliases, fallback chains and catalogue prices through a real gateway: an opus account and a
 * sonnet account, each an Anthropic-API account on its own mock upstream, so a test can make the
 * opus one answer 429 and see where traffic goes.
 */
describe('model catalogue: aliases, fallback, cost', () => {
  let opusUpstream: MockUpstreamServer;
  let sonnetUpstream: MockUpstreamServer;
  let gateway: TestGateway;
  let plain: Anthropic;
  let optedIn: Anthropic;

  const mock = async (upstream: MockUpstreamServer, path: string, init?: RequestInit) =>
    (await fetch(`${upstream.url}${path}`, init)).json() as Promise<Record<string, unknown>>;
  const requestsTo = async (upstream: MockUpstreamServer) =>
    (await mock(upstream, '/_mock/stats'))['requests'] as number;
  const admin = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    gateway.runtime.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${gateway.runtime.adminToken}`,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const ledgerRow = async (requestId: string | null | undefined): Promise<UsageRecord> => {
    expect(requestId).toMatch(/^req_/);
    await flushUsage(gateway);
    return waitFor(async () => (await gateway.runtime.store.usage.list({ requestId: requestId! }))[0]);
  };
  const catalogueCost = (row: UsageRecord, price: { input: number; output: number }) =>
    Math.round(
      row.inputTokens * price.input +
        row.outputTokens * price.output +
        row.cacheCreationInputTokens * price.input * 1.25 +
        row.cacheReadInputTokens * price.input * 0.1,
    ) / 1e6;

  beforeAll(async () => {
    opusUpstream = await startMockUpstream();
    sonnetUpstream = await startMockUpstream();
    gateway = await startTestGateway({
      accounts: [
        // Model lists may name models by alias; they match the canonical id.
        {
          kind: 'anthropic_api',
          name: 'opus-a',
          apiKey: UPSTREAM_KEY,
          baseUrl: opusUpstream.url,
          models: ['opus'],
        },
        {
          kind: 'anthropic_api',
          name: 'sonnet-a',
          apiKey: UPSTREAM_KEY,
          baseUrl: sonnetUpstream.url,
          models: ['claude-sonnet-4-6', 'haiku'],
        },
      ],
      env: { QUEUE_MAX_WAIT_MS: '300' },
    });
    plain = new Anthropic({ apiKey: gateway.key, baseURL: gateway.url, maxRetries: 0 });
    const { key, secret } = await gateway.runtime.apiKeys.create({ name: 'fallback' });
    await gateway.runtime.store.apiKeys.update(key.id, { modelFallback: true });
    optedIn = new Anthropic({ apiKey: secret, baseURL: gateway.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway?.close();
    await opusUpstream?.close();
    await sonnetUpstream?.close();
  });
  beforeEach(async () => {
    for (const upstream of [opusUpstream, sonnetUpstream]) {
      await mock(upstream, '/_mock/script', { method: 'DELETE' });
    }
  });

  it('serves an alias as its canonical model, rewriting only the model field upstream', async () => {
    const {
      data: message,
      response,
      request_id,
    } = await plain.messages
      .create({ model: 'sonnet', ...ASK, metadata: { user_id: 'model: "sonnet"' } })
      .withResponse();
    expect(message.model).toBe('claude-sonnet-4-6');
    expect(response.headers.get('x-switchyard-model')).toBe('claude-sonnet-4-6');
    const upstreamBody = await mock(sonnetUpstream, '/_mock/last-request');
    expect(upstreamBody).toEqual({
      model: 'claude-sonnet-4-6',
      ...ASK,
      metadata: { user_id: 'model: "sonnet"' },
    });

    const row = await ledgerRow(request_id);
    expect(row).toMatchObject({ model: 'claude-sonnet-4-6', requestedModel: 'sonnet', status: 200 });
    expect(row.inputTokens).toBeGreaterThan(0);
    expect(row.costUsd).toBeCloseTo(catalogueCost(row, { input: 3, output: 15 }), 6);
    await waitFor(() =>
      gateway.logs.some((l) => l.includes(request_id!) && l.includes('"requestedModel":"sonnet"')),
    );

    const streamed = await plain.messages.create({ model: 'haiku', ...ASK, stream: true }).withResponse();
    expect(streamed.response.headers.get('x-switchyard-model')).toBe('claude-haiku-4-5');
    for await (const event of streamed.data) {
      if (event.type === 'message_start') expect(event.message.model).toBe('claude-haiku-4-5');
    }
  });

  it('records no requested model when the client named the canonical id', async () => {
    const { request_id, response } = await plain.messages
      .create({ model: 'claude-opus-4-7', ...ASK })
      .withResponse();
    expect(response.headers.get('x-switchyard-model')).toBe('claude-opus-4-7');
    const row = await ledgerRow(request_id);
    expect(row).toMatchObject({ model: 'claude-opus-4-7', requestedModel: null });
    expect(row.costUsd).toBeCloseTo(catalogueCost(row, { input: 5, output: 25 }), 6);
  });

  it('falls back to sonnet for an opted-in key when the opus accounts cool down; others get a clear 429', async () => {
    await mock(opusUpstream, '/_mock/script', {
      method: 'POST',
      body: JSON.stringify({ responses: [{ status: 429, 'retry-after': 60 }] }),
    });
    const opusBefore = await requestsTo(opusUpstream);
    // The opus account answers 429 and cools down; the same request then moves down the chain.
    const {
      data: message,
      response,
      request_id,
    } = await optedIn.messages.create({ model: 'opus', ...ASK }).withResponse();
    expect(await requestsTo(opusUpstream)).toBe(opusBefore + 1);
    expect(message.model).toBe('claude-sonnet-4-6');
    expect(response.headers.get('x-switchyard-model')).toBe('claude-sonnet-4-6');
    const row = await ledgerRow(request_id);
    expect(row).toMatchObject({ model: 'claude-sonnet-4-6', requestedModel: 'opus', status: 200 });
    expect(row.costUsd).toBeCloseTo(catalogueCost(row, { input: 3, output: 15 }), 6);

    // While opus cools, opted-in requests go straight to sonnet without trying opus.
    const again = await optedIn.messages.create({ model: 'claude-opus-4-7', ...ASK }).withResponse();
    expect(again.response.headers.get('x-switchyard-model')).toBe('claude-sonnet-4-6');
    expect(await requestsTo(opusUpstream)).toBe(opusBefore + 1);
    expect((await ledgerRow(again.request_id)).requestedModel).toBe('claude-opus-4-7');

    // A key that did not opt in hears that opus is rate limited, and when to retry.
    const error = await plain.messages.create({ model: 'opus', ...ASK }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const limited = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(limited.error).toMatchObject({ error: { type: 'rate_limit_error' } });
    expect(Number(limited.headers?.get('retry-after'))).toBeGreaterThan(30);

    // The OpenAI route runs the same pipeline: the fallback and its header hold there too.
    const { key, secret } = await gateway.runtime.apiKeys.create({ name: 'openai-fallback' });
    await gateway.runtime.store.apiKeys.update(key.id, { modelFallback: true });
    const openai = new OpenAI({ apiKey: secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const chat = await openai.chat.completions
      .create({ model: 'opus', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(chat.data.model).toBe('claude-sonnet-4-6');
    expect(chat.response.headers.get('x-switchyard-model')).toBe('claude-sonnet-4-6');
  });

  it('lists catalogue models with display names and limits, never aliases', async () => {
    const { data } = await plain.models.list();
    expect(data.map((m) => m.id).sort()).toEqual([
      'claude-haiku-4-5',
      'claude-opus-4-7',
      'claude-sonnet-4-6',
    ]);
    const sonnet = data.find((m) => m.id === 'claude-sonnet-4-6');
    expect(sonnet).toMatchObject({
      display_name: 'Claude Sonnet 4.6',
      max_input_tokens: 200_000,
      max_tokens: 64_000,
    });
  });

  it('lets admins add aliases and change prices, audited, effective at once', async () => {
    const created = await admin('PUT', '/api/admin/model-aliases/team-fast', { model: 'sonnet' });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toEqual({ alias: 'team-fast', model: 'claude-sonnet-4-6', source: 'custom' });
    const priced = await admin('PUT', '/api/admin/models/claude-sonnet-4-6', {
      inputPrice: 30,
      outputPrice: 150,
    });
    expect(priced.statusCode).toBe(200);
    expect(priced.json()).toMatchObject({ source: 'edited', cacheWritePrice: 37.5, cacheReadPrice: 3 });

    const { data: message, request_id } = await plain.messages
      .create({ model: 'team-fast', ...ASK })
      .withResponse();
    expect(message.model).toBe('claude-sonnet-4-6');
    const row = await ledgerRow(request_id);
    expect(row.requestedModel).toBe('team-fast');
    expect(row.costUsd).toBeCloseTo(catalogueCost(row, { input: 30, output: 150 }), 6);

    const listed = await admin('GET', '/api/admin/models');
    const sonnet = listed
      .json<{ data: Array<{ id: string; aliases: string[] }> }>()
      .data.find((m) => m.id === 'claude-sonnet-4-6');
    expect(sonnet?.aliases.sort()).toEqual(['sonnet', 'team-fast']);
    const audit = await admin('GET', '/api/admin/audit?target=team-fast');
    expect(audit.json<{ data: Array<Record<string, unknown>> }>().data[0]).toMatchObject({
      action: 'model_alias.set',
      actorType: 'cli',
      targetType: 'model_alias',
      details: { from: null, to: 'claude-sonnet-4-6' },
    });
    expect(
      (await admin('GET', '/api/admin/audit?action=model.update')).json<{ data: unknown[] }>().data,
    ).toHaveLength(1);

    expect((await admin('DELETE', '/api/admin/model-aliases/team-fast')).statusCode).toBe(204);
    const gone = await plain.messages.create({ model: 'team-fast', ...ASK }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(Anthropic.NotFoundError);
    expect((await admin('PUT', '/api/admin/models/new-model', { displayName: 'x' })).statusCode).toBe(400);
    expect((await admin('DELETE', '/api/admin/models/no-such-model')).statusCode).toBe(404);
  });
});
