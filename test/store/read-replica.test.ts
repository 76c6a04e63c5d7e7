/**
 * DATABASE_REPLICA_URL against a real streaming replica (pg_basebackup of a private server, hot
 * standby on another spare port). With the replica's replay paused, what the dashboard, request
 * log and audit log show is the replica's (older) state, while authentication and writes see the
 * primary's at once; the replica never gets a write (a hot standby would refuse it, and reads
 * would then have fallen back to the primary). A stopped replica degrades /ready (200,
 * `degraded`) and reports are answered by the primary meanwhile.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestView, StatsView } from '../../src/services/usage-reports.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import {
  startPrivatePostgres,
  startPrivateReplica,
  type PrivatePostgres,
} from '../support/private-postgres.js';

describe('reports on a read replica', () => {
  let primary: PrivatePostgres;
  let replica: PrivatePostgres;
  let gateway: TestGateway;

  beforeAll(async () => {
    primary = await startPrivatePostgres();
    replica = await startPrivateReplica(primary);
    gateway = await startTestGateway({
      env: { DATABASE_URL: primary.url, DATABASE_REPLICA_URL: replica.url, USAGE_FLUSH_INTERVAL_MS: '50' },
    });
  }, 90_000);
  afterAll(async () => {
    await gateway?.close().catch(() => {});
    await replica?.remove();
    await primary?.remove();
  });

  const onReplica = async (query: string): Promise<pg.QueryResult> => {
    const client = new pg.Client({ connectionString: replica.url });
    await client.connect();
    try {
      return await client.query(query);
    } finally {
      await client.end();
    }
  };
  const admin = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${gateway.url}${path}`, {
      headers: { authorization: `Bearer ${gateway.runtime.adminToken}` },
    });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };
  const ask = async (key = gateway.key) => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-6',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi [[mock words=2]]' }],
      }),
    });
    await response.text();
    expect(response.status).toBe(200);
    return response.headers.get('request-id')!;
  };
  const dashboardRequests = async () =>
    (await admin<StatsView>('/api/admin/stats?window=1h')).totals.requests;
  const logged = async () =>
    (await admin<{ data: RequestView[] }>('/api/admin/requests?limit=200')).data.map((r) => r.requestId);
  const audited = async () =>
    (await admin<{ data: { targetId: string | null }[] }>('/api/admin/audit?limit=1000')).data.map(
      (r) => r.targetId,
    );

  it('serves reports from the replica and everything fresh from the primary', async () => {
    const store = gateway.runtime.store;
    expect(store.replica).toBeDefined();
    const first = [await ask(), await ask(), await ask()];
    await expect.poll(() => store.usage.count(), { timeout: 10_000 }).toBe(3);
    await expect.poll(dashboardRequests, { timeout: 10_000 }).toBe(3);
    expect((await logged()).sort()).toEqual([...first].sort());

    // Freeze the replica: the primary moves on, reports do not.
    await onReplica('select pg_wal_replay_pause()');
    const { secret: freshKey, key: freshRecord } = await gateway.runtime.apiKeys.create({
      name: 'after-pause',
    });
    // Authentication reads the primary: a key made a moment ago works at once.
    const later = [await ask(freshKey), await ask(freshKey)];
    await expect.poll(() => store.usage.count(), { timeout: 10_000 }).toBe(5);
    expect(await dashboardRequests()).toBe(3);
    expect(await logged()).not.toContain(later[0]);
    expect(await audited()).not.toContain(freshRecord.id);

    await onReplica('select pg_wal_replay_resume()');
    await expect.poll(dashboardRequests, { timeout: 10_000 }).toBe(5);
    expect(await logged()).toEqual(expect.arrayContaining(later));
    expect(await audited()).toContain(freshRecord.id);

    // Every report read was the replica's; none failed there (a write would have) and fell back.
    expect(store.replica!.reads).toBeGreaterThan(0);
    expect(store.replica!.fallbacks).toBe(0);
    const ready = await fetch(`${gateway.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'ok', replica: 'ok' });
  });

  it('degrades, still ready, while the replica is away: the primary answers reports', async () => {
    const store = gateway.runtime.store;
    await replica.stop();
    await ask();
    await expect.poll(() => store.usage.count(), { timeout: 10_000 }).toBe(6);
    expect(await dashboardRequests()).toBe(6);
    expect(store.replica!.fallbacks).toBeGreaterThan(0);
    await expect
      .poll(async () => (await (await fetch(`${gateway.url}/ready`)).json()) as unknown, { timeout: 5_000 })
      .toMatchObject({ status: 'degraded', database: 'ok', replica: 'unreachable' });
    expect((await fetch(`${gateway.url}/ready`)).status).toBe(200);

    await replica.start();
    await expect
      .poll(async () => (await (await fetch(`${gateway.url}/ready`)).json()) as unknown, { timeout: 15_000 })
      .toMatchObject({ status: 'ready', replica: 'ok' });
  });
});
