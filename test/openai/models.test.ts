import { UNRESTRICTED } from '../../src/gateway/call.js';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCatalog } from '../../src/gateway/models.js';
import { clientDialectOf } from '../../src/server/openai/client-dialect.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

/** GET /v1/models answers in the shape of the client that asks. */
describe('GET /v1/models for Anthropic and OpenAI clients', () => {
  let gateway: TestGateway;

  const get = (headers: Record<string, string>) =>
    gateway.runtime.app.inject({ method: 'GET', url: '/v1/models', headers });

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway?.close());

  it('lists the same models in both shapes, each through its official SDK', async () => {
    const anthropic = new Anthropic({ apiKey: gateway.key, baseURL: gateway.url, maxRetries: 0 });
    const openai = new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const anthropicModels = (await anthropic.models.list()).data;
    const openaiModels = (await openai.models.list()).data;
    expect(anthropicModels.length).toBeGreaterThan(0);
    expect(openaiModels.map((m) => m.id)).toStrictEqual(anthropicModels.map((m) => m.id));
    for (const model of anthropicModels) {
      expect(model.type).toBe('model');
      expect(model.display_name).toBeTruthy();
    }
    for (const [index, model] of openaiModels.entries()) {
      expect(Object.keys(model).sort()).toStrictEqual(['created', 'id', 'object', 'owned_by']);
      expect(model.object).toBe('model');
      expect(model.owned_by).toBe('switchyard-simulated');
      expect(model.created).toBe(Date.parse(anthropicModels[index]!.created_at) / 1000);
    }
  });

  it('decides the shape from the headers', async () => {
    const shapes: Array<[Record<string, string>, 'anthropic' | 'openai']> = [
      [{ 'x-api-key': gateway.key }, 'anthropic'],
      [{ 'x-api-key': gateway.key, 'anthropic-version': '2023-06-01' }, 'anthropic'],
      [{ authorization: `Bearer ${gateway.key}`, 'anthropic-version': '2023-06-01' }, 'anthropic'],
      [{ authorization: `Bearer ${gateway.key}` }, 'openai'],
      [
        {
          authorization: `Bearer ${gateway.key}`,
          'user-agent': 'OpenAI/JS 6.49.0',
          'x-stainless-lang': 'js',
        },
        'openai',
      ],
      [{ 'x-api-key': gateway.key, 'user-agent': 'OpenAI/Python 1.99.0' }, 'openai'],
    ];
    for (const [headers, shape] of shapes) {
      const response = await get(headers);
      expect(response.statusCode).toBe(200);
      const body = response.json<Record<string, unknown>>();
      if (shape === 'openai') {
        expect(body['object']).toBe('list');
        expect(body['has_more']).toBeUndefined();
      } else {
        expect(body['object']).toBeUndefined();
        expect(body['has_more']).toBe(false);
      }
      expect(clientDialectOf(headers)).toBe(shape);
    }
  });

  it('answers a bad key in the shape the client expects', async () => {
    const openai = await get({ authorization: 'Bearer sk-sy-wrong' });
    expect(openai.statusCode).toBe(401);
    expect(openai.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_api_key' },
    });
    expect(openai.json<Record<string, unknown>>()['type']).toBeUndefined();

    const anthropic = await get({ 'x-api-key': 'sk-sy-wrong', 'anthropic-version': '2023-06-01' });
    expect(anthropic.statusCode).toBe(401);
    expect(anthropic.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

    const sdk = new OpenAI({ apiKey: 'sk-sy-wrong', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    expect(await sdk.models.list().catch((e: unknown) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('lists only what the per-key model access lets through', async () => {
    const all = await new ModelCatalog(gateway.runtime.pool).list();
    expect(all.length).toBeGreaterThan(1);
    const allowed = new Set([all[0]!.id]);
    const catalog = new ModelCatalog(gateway.runtime.pool, (principal, models) =>
      principal.apiKeyId === 'key-a' ? models.filter((m) => allowed.has(m.id)) : models,
    );
    expect(
      (await catalog.listFor({ apiKeyId: 'key-a', userId: 'u', access: UNRESTRICTED })).map((m) => m.id),
    ).toStrictEqual([...allowed]);
    expect(await catalog.listFor({ apiKeyId: 'key-b', userId: 'u', access: UNRESTRICTED })).toHaveLength(
      all.length,
    );
  });
});
