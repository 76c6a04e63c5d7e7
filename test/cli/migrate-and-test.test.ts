import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';
import { baseEnv, makeDataDir, runCli } from '../support/cli.js';
import { createTestDatabase } from '../support/postgres.js';

describe('switchyard migrate', () => {
  it('applies the migrations to PostgreSQL and exits', async () => {
    const data = await makeDataDir();
    const database = await createTestDatabase();
    try {
      const result = await runCli(['migrate'], baseEnv(data.dir, { DATABASE_URL: database.url }));
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Migrations applied (postgres)');
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const tables = await client.query<{ tablename: string }>(
          "select tablename from pg_tables where schemaname = 'public' order by tablename",
        );
        expect(tables.rows.map((r) => r.tablename)).toEqual(
          expect.arrayContaining(['accounts', 'api_keys', 'audit_log', 'conversations', 'usage', 'users']),
        );
      } finally {
        await client.end();
      }
    } finally {
      await database.drop();
      await data.remove();
    }
  });
});

describe('switchyard accounts test on an anthropic_api account', () => {
  let upstream: MockUpstreamServer;
  let data: Awaited<ReturnType<typeof makeDataDir>>;
  beforeAll(async () => {
    upstream = await startMockUpstream({ behavior: { expectedApiKey: 'sk-ant-good' } });
    data = await makeDataDir();
  });
  afterAll(async () => {
    await upstream?.close();
    await data?.remove();
  });

  it('says OK for a working key and FAILED with what to do for a rejected one', async () => {
    const env = baseEnv(data.dir, { GOOD: 'sk-ant-good', BAD: 'sk-ant-bad', OUTBOUND_ALLOW_PRIVATE: 'true' });
    for (const [name, variable] of [
      ['good', 'GOOD'],
      ['bad', 'BAD'],
    ]) {
      const added = await runCli(
        [
          'accounts',
          'add',
          '--kind',
          'anthropic_api',
          '--name',
          name!,
          '--api-key-env',
          variable!,
          '--base-url',
          upstream.url,
        ],
        env,
      );
      expect(added.code).toBe(0);
    }
    const good = await runCli(['accounts', 'test', 'good'], env);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^OK good: The API key works/);
    const bad = await runCli(['accounts', 'test', 'bad'], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAILED bad: The upstream rejected the API key/);
    expect(bad.stdout + bad.stderr).not.toContain('sk-ant-bad');
  });
});
