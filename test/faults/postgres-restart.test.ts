/**
 * PostgreSQL restarted under traffic: requests keep being answered (keys are cached, the upstream
 * does not need the database), `/ready` says 503 while the database is away, usage rows wait in
 * the ledger and are all written once it is back, none lost and none twice.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';

describe('PostgreSQL restarted under traffic', () => {
  let postgres: PrivatePostgres;
  let gateway: TestGateway;

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    gateway = await startTestGateway({
      env: { DATABASE_URL: postgres.url, USAGE_FLUSH_INTERVAL_MS: '100', API_KEY_CACHE_TTL_MS: '600000' },
    });
  });
  afterAll(async () => {
    await gateway?.close().catch(() => {});
    await postgres?.remove();
  });

  it('keeps answering, reports not ready, and writes every usage row once the database returns', async () => {
    const client = new Anthropic({ baseURL: gateway.url, apiKey: gateway.key, maxRetries: 0 });
    const ask = (text: string) =>
      client.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 16,
        messages: [{ role: 'user', content: text }],
      });
    const ids: string[] = [];
    const note = async (text: string) => {
      const answer = await ask(text).withResponse();
      ids.push(answer.response.headers.get('request-id')!);
    };

    for (let i = 0; i < 3; i++) await note(`before ${i}`);
    const store = gateway.runtime.store;
    await expect.poll(async () => store.usage.count(), { timeout: 10_000 }).toBe(3);

    await postgres.stop();
    for (let i = 0; i < 5; i++) await note(`while down ${i}`);
    const ready = await fetch(`${gateway.url}/ready`);
    expect(ready.status).toBe(503);
    // The rows wait in the ledger while the database is away.
    await expect.poll(() => gateway.runtime.ledger.stats.failures, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(gateway.runtime.ledger.stats.pending).toBe(5);

    await postgres.start();
    await expect
      .poll(async () => (await fetch(`${gateway.url}/ready`)).status, { timeout: 15_000 })
      .toBe(200);
    await expect.poll(async () => store.usage.count().catch(() => -1), { timeout: 15_000 }).toBe(8);
    const rows = await store.usage.list({ limit: 100 });
    expect(rows.map((row) => row.requestId).sort()).toEqual([...ids].sort());
    expect(gateway.runtime.ledger.stats.pending).toBe(0);
    expect(gateway.runtime.ledger.stats.dropped).toBe(0);
  });
});
