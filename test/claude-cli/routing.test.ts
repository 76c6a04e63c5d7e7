import { APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushUsage } from '../support/gateway.js';
import { cliAccount, MODEL, startCliRig, type CliRig } from './rig.js';

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Weather in a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
};

/** Requests a CLI account cannot serve faithfully go to an API account, or get a 400 saying why. */
describe('routing around claude_cli accounts', () => {
  let rig: CliRig;

  beforeAll(async () => {
    rig = await startCliRig((url) => [
      cliAccount('cli-first', url, { priority: 1 }),
      { kind: 'anthropic_api', name: 'api-second', apiKey: 'sk-ant-api', baseUrl: url, priority: 5 },
    ]);
  });
  afterAll(async () => {
    await rig?.close();
  });

  const idOf = (name: string) => rig.gateway.runtime.pool.accounts().find((a) => a.name === name)?.id;

  async function servedBy(): Promise<string | null | undefined> {
    await flushUsage(rig.gateway);
    const rows = await rig.gateway.runtime.store.usage.list();
    return rows.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0]?.accountId;
  }

  it('serves plain requests from the CLI account it prefers', async () => {
    await rig.client.messages.create({
      model: MODEL,
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(await servedBy()).toBe(idOf('cli-first'));
  });

  it('sends a request with client tools to the API account, tools intact', async () => {
    const message = await rig.client.messages.create({
      model: MODEL,
      max_tokens: 50,
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    });
    expect(message.stop_reason).toBe('end_turn');
    expect(await servedBy()).toBe(idOf('api-second'));
    expect((await rig.lastRequest()).tools).toEqual([WEATHER_TOOL]);
  });

  it('refuses with a 400 that says why when only CLI accounts could serve it', async () => {
    await rig.gateway.runtime.accounts.update('api-second', { state: 'disabled' });
    try {
      const error = await rig.client.messages
        .create({
          model: MODEL,
          max_tokens: 50,
          tools: [WEATHER_TOOL],
          tool_choice: { type: 'auto' },
          messages: [{ role: 'user', content: 'weather in Paris?' }],
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(APIError);
      expect((error as APIError).status).toBe(400);
      expect((error as APIError).message).toMatch(
        /invalid_request_error.*claude_cli accounts cannot serve this request: `tools` is set/,
      );
      const counted = await rig.client.messages
        .countTokens({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((counted as APIError).status).toBe(400);
      expect((counted as APIError).message).toMatch(/cannot count tokens/);
    } finally {
      await rig.gateway.runtime.accounts.update('api-second', { state: 'active' });
    }
  });
});
