import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

/** Accounts with an explicit model list serve only those models; others get a clear 404. */
describe('model routing', () => {
  let gateway: TestGateway;
  let client: Anthropic;

  beforeAll(async () => {
    gateway = await startTestGateway({
      accounts: [{ kind: 'mock', name: 'sonnet-only', models: ['claude-sonnet-4-6'] }],
    });
    client = new Anthropic({ apiKey: gateway.key, baseURL: gateway.url, maxRetries: 0 });
  });
  afterAll(() => gateway?.close());

  it('serves a listed model', async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.model).toBe('claude-sonnet-4-6');
  });

  it('answers a model no account serves with 404 not_found_error naming it', async () => {
    const error = await client.messages
      .create({ model: 'claude-opus-4-7', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(String((error as Error).message)).toContain("'claude-opus-4-7'");
  });

  it('lists only the models the pool serves', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['claude-sonnet-4-6']);
  });
});
