/** `switchyard prune` (the built bin): on the embedded database itself, and through a running server. */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { baseEnv, makeDataDir, runCli, startServer, type RunningServer } from '../support/cli.js';

const DAY = 86_400_000;

describe('switchyard prune', () => {
  let data: Awaited<ReturnType<typeof makeDataDir>>;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    data = await makeDataDir();
  });
  afterAll(async () => {
    await server?.stop();
    await data?.remove();
  });

  it('rolls up and prunes the embedded database, and says what it keeps', async () => {
    // Ledger rows ten and one days old, written as the gateway would.
    const store = await openStore({ kind: 'pglite', dir: path.join(data.dir, 'db') });
    const row = (daysAgo: number) => ({
      requestId: `req_${randomUUID()}`,
      apiKeyId: null,
      userId: null,
      accountId: null,
      model: 'claude-sonnet-4-5',
      requestedModel: null,
      stream: false,
      inputTokens: 10,
      outputTokens: 5,
      cacheCreationInputTokens: 0,
      cacheReadInputTokens: 0,
      status: 200,
      errorType: null,
      latencyMs: 120,
      ttftMs: null,
      costUsd: 0.01,
      createdAt: new Date(Date.now() - daysAgo * DAY),
    });
    await store.usage.insertMany([row(10), row(10), row(10), row(1)]);
    await store.close();

    const env = baseEnv(data.dir, { USAGE_RETENTION_DAYS: '7', USAGE_HOURLY_RETENTION_DAYS: '0' });
    const result = await runCli(['prune'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Rolled up \d+ hours; pruned 3 ledger rows and 0 hourly roll-ups/);
    expect(result.stdout).toMatch(/ledger rows \(the request log\) 7 days, hourly roll-ups for good/);
    expect(result.stdout).toMatch(/^usage_hourly\s+\d+/m);
    expect(result.stdout).toMatch(/ledger rows pruned before \d{4}-\d\d-\d\dT/);

    const again = await runCli(['prune'], env);
    expect(again.stdout).toMatch(/pruned 0 ledger rows/);

    const reopened = await openStore({ kind: 'pglite', dir: path.join(data.dir, 'db') });
    try {
      expect(await reopened.usage.count()).toBe(1);
      const audit = await reopened.audit.list({ action: 'usage.prune' });
      expect(audit).toHaveLength(2);
      expect(audit[0]?.actorType).toBe('cli');
    } finally {
      await reopened.close();
    }
  });

  it('asks the running server to do it while one holds the embedded database', async () => {
    server = await startServer(data.dir, { USAGE_RETENTION_CRON: 'off' });
    const result = await runCli(['prune'], baseEnv(data.dir));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/pruned 0 ledger rows .*\(by the running server, pid \d+\)/);
    expect(result.stdout).toMatch(/ledger rows \(the request log\) 32 days, hourly roll-ups 90 days/);
    await server.stop();
    server = undefined;
  });

  it('refuses a malformed schedule by name', async () => {
    const result = await runCli(['prune'], baseEnv(data.dir, { USAGE_RETENTION_CRON: 'hourly' }));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/USAGE_RETENTION_CRON/);
  });
});
