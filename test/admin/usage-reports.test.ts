import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestView, StatsView } from '../../src/services/usage-reports.js';
import { flushUsage, startTestGateway, type TestGateway } from '../support/gateway.js';
import { adminJson, usageRow as row } from './usage-support.js';

describe('dashboard stats and request log, from known ledger rows', () => {
  let gateway: TestGateway;
  const admin = <T>(path: string) => adminJson<T>(gateway, path);
  const accountA = randomUUID();
  const keyA = randomUUID();

  beforeAll(async () => {
    gateway = await startTestGateway();
    const now = Date.now();
    const recent = new Date(now - 5 * 60_000);
    // Ten rows five minutes ago: latencies 100…1000, TTFTs 10…100 on the streamed half;
    // one 500 and one 499 (a client that left: not an error).
    const rows = Array.from({ length: 10 }, (_, i) =>
      row({
        createdAt: recent,
        latencyMs: (i + 1) * 100,
        stream: i % 2 === 0,
        ttftMs: i % 2 === 0 ? (i + 1) * 10 : null,
        status: i === 8 ? 500 : i === 9 ? 499 : 200,
        accountId: i < 6 ? accountA : null,
        apiKeyId: i < 3 ? keyA : null,
        model: i < 4 ? 'claude-haiku-4-5' : 'claude-sonnet-4-6',
        inputTokens: 10,
        outputTokens: 5,
        costUsd: 0.5,
      }),
    );
    // In the day but not the hour, and outside both.
    rows.push(row({ createdAt: new Date(now - 2 * 3_600_000), status: 429 }));
    rows.push(row({ createdAt: new Date(now - 25 * 3_600_000) }));
    await gateway.runtime.store.usage.insertMany(rows);
  });
  afterAll(() => gateway?.close());

  it('aggregates the hour per minute with percentiles computed in SQL', async () => {
    const { status, body } = await admin<StatsView>('/api/admin/stats?window=1h');
    expect(status).toBe(200);
    expect(body.bucketSeconds).toBe(60);
    expect(body.buckets).toHaveLength(60);
    expect(body.totals.requests).toBe(10);
    expect(body.totals.errors).toBe(1);
    expect(body.totals.errorRate).toBeCloseTo(0.1);
    // percentile_cont over 100…1000: p50 = 550, p95 = 955, p99 = 991.
    expect(body.totals.latencyP50Ms).toBeCloseTo(550);
    expect(body.totals.latencyP95Ms).toBeCloseTo(955);
    expect(body.totals.latencyP99Ms).toBeCloseTo(991);
    // TTFT only over the streamed rows: 10, 30, 50, 70, 90.
    expect(body.totals.ttftP50Ms).toBeCloseTo(50);
    expect(body.totals.inputTokens).toBe(100);
    expect(body.totals.outputTokens).toBe(50);
    expect(body.totals.costUsd).toBeCloseTo(5);
    const busy = body.buckets.filter((b) => b.requests > 0);
    expect(busy).toHaveLength(1);
    expect(busy[0]?.requests).toBe(10);
    expect(busy[0]?.latencyP50Ms).toBeCloseTo(550);
    const quiet = body.buckets.find((b) => b.requests === 0);
    expect(quiet?.latencyP50Ms).toBeNull();
    const perAccount = body.accounts.find((a) => a.accountId === accountA);
    expect(perAccount).toMatchObject({ requests: 6, errors: 0, inputTokens: 60 });
    expect(body.accounts[0]?.accountId).toBe(accountA);
  });

  it('the day window adds the older row and keeps the two-day-old one out', async () => {
    const { body } = await admin<StatsView>('/api/admin/stats?window=24h');
    expect(body.bucketSeconds).toBe(900);
    expect(body.buckets).toHaveLength(96);
    expect(body.totals.requests).toBe(11);
    expect(body.totals.errors).toBe(2);
    expect(body.buckets.reduce((sum, b) => sum + b.requests, 0)).toBe(11);
  });

  it('shows the live pool: queue depth and each account with its utilisation', async () => {
    const { body } = await admin<StatsView>('/api/admin/stats');
    expect(body.window).toBe('1h');
    expect(body.live.queueDepth).toBe(0);
    const names = (await gateway.runtime.accounts.list()).map((a) => a.name);
    expect(body.live.accounts.map((a) => a.name).sort()).toEqual(names.sort());
    expect(body.live.accounts.every((a) => a.inFlight === 0 && a.utilisation === 0)).toBe(true);
  });

  it('filters the request log and pages it with a cursor', async () => {
    const byKey = await admin<{ data: RequestView[] }>(`/api/admin/requests?key=${keyA}`);
    expect(byKey.body.data).toHaveLength(3);
    expect(byKey.body.data.every((r) => r.apiKeyId === keyA)).toBe(true);

    const errors = await admin<{ data: RequestView[] }>('/api/admin/requests?status=5xx');
    expect(errors.body.data.map((r) => r.status)).toEqual([500]);
    const throttled = await admin<{ data: RequestView[] }>('/api/admin/requests?status=429');
    expect(throttled.body.data).toHaveLength(1);

    const haiku = await admin<{ data: RequestView[] }>(
      `/api/admin/requests?model=claude-haiku-4-5&account=${accountA}`,
    );
    expect(haiku.body.data).toHaveLength(4);

    const since = new Date(Date.now() - 3 * 3_600_000).toISOString();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=4&from=${encodeURIComponent(since)}${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await admin<{ data: RequestView[]; next_cursor: string | null }>(
        `/api/admin/requests?${query}`,
      );
      seen.push(...page.body.data.map((r) => r.requestId));
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(11);
    expect(new Set(seen).size).toBe(11);

    expect((await admin('/api/admin/requests?user=not-a-uuid')).body).toEqual({
      data: [],
      next_cursor: null,
    });
    expect((await admin('/api/admin/requests?status=6xx')).status).toBe(400);
    expect((await admin('/api/admin/requests?cursor=nope')).status).toBe(400);
    expect((await admin('/api/admin/stats?window=1y')).status).toBe(400);
  });
});

describe('request log from real traffic', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway?.close());

  it('lists each request the gateway served, with key, account and model names', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'x-api-key': gateway.key,
          'content-type': 'application/json',
          'anthropic-version': '2023-06-01',
        },
        body: JSON.stringify({
          model: 'claude-sonnet-4-6',
          max_tokens: 16,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    await flushUsage(gateway);
    const headers = { authorization: `Bearer ${gateway.runtime.adminToken}` };
    const log = (await (await fetch(`${gateway.url}/api/admin/requests`, { headers })).json()) as {
      data: RequestView[];
    };
    expect(log.data).toHaveLength(3);
    const [account] = await gateway.runtime.accounts.list();
    for (const entry of log.data) {
      expect(entry).toMatchObject({
        status: 200,
        apiKeyName: 'test',
        accountName: account?.name,
        stream: false,
      });
      expect(entry.outputTokens).toBeGreaterThan(0);
    }
    const stats = (await (await fetch(`${gateway.url}/api/admin/stats`, { headers })).json()) as StatsView;
    expect(stats.totals.requests).toBe(3);
    expect(stats.accounts).toEqual([expect.objectContaining({ accountName: account?.name, requests: 3 })]);
  });
});
