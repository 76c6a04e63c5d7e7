/**
 * A canary upstream credential planted in test accounts must never leave the places that need it
 * (the encrypted column, the upstream request): not in any response, log line, metric, Redis
 * command (queue payloads included), database row in plain text, or audit row. Distributed mode,
 * so the queue path is covered; the worker reads the credential from the store itself.
 */
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';
import {
  messagesBody,
  post,
  setAccounts,
  startTestCluster,
  type ClusterGateway,
  type TestCluster,
} from '../cluster/cluster-support.js';
import { TEST_REDIS_URL } from '../queue/redis-test-support.js';
import { Redis as IORedis } from 'ioredis';

const CANARY = 'sk-ant-api03-CANARY-f3b1c9e2a7d4-never-show-me';
const WRONG = 'sk-ant-api03-CANARY-wrong-77e0-never-show-me';
const FRAGMENT = 'CANARY';

describe('an upstream credential never leaks', () => {
  let upstream: MockUpstreamServer;
  let cluster: TestCluster;
  let gateway: ClusterGateway;
  let monitor: Redis;
  const redisCommands: string[] = [];
  const seen: Array<{ where: string; text: string }> = [];
  const admin = () => ({ authorization: `Bearer ${gateway.runtime.adminToken}` });

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { ...admin(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    seen.push({
      where: `${method} ${path} → ${response.status}`,
      text: text + JSON.stringify([...response.headers]),
    });
    return { status: response.status, text };
  }

  beforeAll(async () => {
    upstream = await startMockUpstream({ behavior: { expectedApiKey: CANARY } });
    cluster = await startTestCluster({ LOG_LEVEL: 'debug' });
    // Every command any client sends to Redis from now on, arguments included.
    const watcher = new IORedis(TEST_REDIS_URL);
    monitor = await watcher.monitor();
    watcher.disconnect();
    monitor.on('monitor', (_time: string, args: string[]) => redisCommands.push(args.join(' ')));
    gateway = await cluster.startGateway();
    await setAccounts(gateway, [
      { kind: 'anthropic_api', name: 'direct', apiKey: CANARY, baseUrl: upstream.url, priority: 1 },
    ]);
  });

  afterAll(async () => {
    monitor?.disconnect();
    await cluster?.close();
    await upstream?.close();
  });

  it('keeps it out of responses, logs, metrics, Redis, the database and the audit log', async () => {
    // Through the admin API: create a worker-served account and a rejected one, change, test, list.
    expect(
      (
        await call('POST', '/api/admin/accounts', {
          kind: 'anthropic_api',
          name: 'queued',
          apiKey: CANARY,
          baseUrl: upstream.url,
          priority: 5,
          settings: { servedBy: 'worker' },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST', '/api/admin/accounts', {
          kind: 'anthropic_api',
          name: 'rejected',
          apiKey: WRONG,
          baseUrl: upstream.url,
          priority: 9,
        })
      ).status,
    ).toBe(201);
    expect((await call('PATCH', '/api/admin/accounts/queued', { apiKey: CANARY })).status).toBe(200);
    await cluster.startWorker(['queued']);
    await call('POST', '/api/admin/accounts/direct/test');
    await call('POST', '/api/admin/accounts/rejected/test');
    await gateway.runtime.pool.reload();

    const { secret } = await gateway.runtime.apiKeys.create({ name: 'canary-client' });
    // Served directly, then through the queue and a worker (the direct account disabled), streaming and not.
    for (const stream of [false, true]) {
      const response = await post(gateway.url, secret, messagesBody('hi [[mock words=5]]', stream));
      seen.push({ where: `direct stream=${stream}`, text: await response.text() });
      expect(response.status).toBe(200);
    }
    expect((await call('PATCH', '/api/admin/accounts/direct', { state: 'disabled' })).status).toBe(200);
    await gateway.runtime.pool.reload();
    const deadline = Date.now() + 10_000;
    let queuedStatus = 0;
    while (queuedStatus !== 200 && Date.now() < deadline) {
      const response = await post(gateway.url, secret, messagesBody('hi [[mock words=5]]', true));
      seen.push({ where: 'queued', text: await response.text() });
      queuedStatus = response.status;
      if (queuedStatus !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(queuedStatus).toBe(200);
    // The rejected account: the upstream says 401, the gateway marks it and answers its client.
    expect((await call('PATCH', '/api/admin/accounts/queued', { state: 'disabled' })).status).toBe(200);
    await gateway.runtime.pool.reload();
    const refused = await post(gateway.url, secret, messagesBody('hi', false));
    seen.push({ where: 'rejected account', text: await refused.text() });
    expect(refused.status).toBeGreaterThanOrEqual(400);

    await call('GET', '/api/admin/accounts');
    await call('GET', '/api/admin/audit');
    await call('GET', '/api/admin/audit?format=csv');
    await call('GET', '/api/admin/keys');
    const metrics = await fetch(`${gateway.url}/metrics`);
    seen.push({ where: '/metrics', text: await metrics.text() });
    await gateway.runtime.ledger.flush();

    // Every table of the database, as text: the credential is stored encrypted only.
    const db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      const tables = await db.query<{ tablename: string }>(
        "select tablename from pg_tables where schemaname = 'public'",
      );
      for (const { tablename } of tables.rows) {
        const rows = await db.query(`select * from "${tablename}"`);
        seen.push({ where: `table ${tablename}`, text: JSON.stringify(rows.rows) });
      }
      const audit = await db.query('select count(*)::int as n from audit_log');
      expect(audit.rows[0].n).toBeGreaterThan(3); // the account changes above were audited
    } finally {
      await db.end();
    }

    // The monitor saw the queued job's payload (the request body), so a credential in it would show.
    expect(redisCommands.some((c) => c.includes(`${cluster.prefix}:`) && c.includes('mock words=5'))).toBe(
      true,
    );
    seen.push({ where: 'redis commands', text: redisCommands.join('\n') });
    seen.push({ where: 'logs', text: cluster.logs.join('') });
    expect(cluster.logs.length).toBeGreaterThan(0);

    const leaks = seen
      .filter(({ text }) => text.includes(FRAGMENT))
      .map(({ where, text }) => {
        const at = text.indexOf(FRAGMENT);
        return `${where}: …${text.slice(Math.max(0, at - 60), at + 40)}…`;
      });
    expect(leaks).toEqual([]);
  });
});
