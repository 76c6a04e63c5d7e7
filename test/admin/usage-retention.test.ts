/**
 * Usage retention through the admin API of a real gateway: the status route, a run asked for
 * (audited, metered), and the dashboard's long windows still counting the pruned ledger rows.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestView, StatsView } from '../../src/services/usage-reports.js';
import type { RetentionRun, RetentionView } from '../../src/services/usage-retention.js';
import type { UsageRecord } from '../../src/store/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { adminJson, usageRow } from './usage-support.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

const row = (overrides: Partial<UsageRecord> & { createdAt: Date }) =>
  usageRow({ costUsd: 0.25, ...overrides });

describe('usage retention through the admin API', () => {
  let gateway: TestGateway;
  const keyA = randomUUID();
  const account = randomUUID();
  const admin = <T>(method: string, path: string) => adminJson<T>(gateway, path, method);

  beforeAll(async () => {
    gateway = await startTestGateway({
      env: { USAGE_RETENTION_DAYS: '3', USAGE_HOURLY_RETENTION_DAYS: '5', USAGE_RETENTION_CRON: 'off' },
    });
    const now = Date.now();
    await gateway.runtime.store.usage.insertMany([
      // Four days old: past the ledger's three days.
      ...Array.from({ length: 6 }, (_, i) =>
        row({
          createdAt: new Date(now - 4 * DAY),
          apiKeyId: keyA,
          accountId: account,
          latencyMs: (i + 1) * 100,
          status: i === 5 ? 529 : 200,
        }),
      ),
      row({ createdAt: new Date(now - 2 * DAY), apiKeyId: keyA, accountId: account }),
      row({ createdAt: new Date(now - 2 * DAY) }),
      ...Array.from({ length: 3 }, () => row({ createdAt: new Date(now - 10 * 60_000), apiKeyId: keyA })),
    ]);
  });
  afterAll(() => gateway?.close());

  it('shows the policy from the environment and where nothing is pruned yet', async () => {
    const { status, body } = await admin<RetentionView>('GET', '/api/admin/usage/retention');
    expect(status).toBe(200);
    expect(body.policy).toEqual({ rawDays: 3, hourlyDays: 5 });
    expect(body.watermarks.rawPrunedBefore).toBeNull();
    expect(body.tables.map((t) => t.table)).toEqual(['usage', 'usage_daily', 'usage_hourly']);
    expect(body.tables.every((t) => t.bytes > 0)).toBe(true);
  });

  it('runs when asked: prunes past the retention, audits the run, counts it in the metrics', async () => {
    const { status, body } = await admin<RetentionRun>('POST', '/api/admin/usage/retention/run');
    expect(status).toBe(200);
    expect(body).toMatchObject({ ran: true, rawPruned: 6, hourlyPruned: 0 });
    expect(await gateway.runtime.store.usage.count()).toBe(5);

    const after = await admin<RetentionView>('GET', '/api/admin/usage/retention');
    const cut = Math.floor((Date.now() - 3 * DAY) / HOUR) * HOUR;
    expect(Date.parse(after.body.watermarks.rawPrunedBefore ?? '')).toBeGreaterThanOrEqual(cut - HOUR);
    expect(Date.parse(after.body.watermarks.rolledThrough ?? '')).toBe(Math.floor(Date.now() / HOUR) * HOUR);

    const audit = await admin<{ data: Array<{ action: string; actorType: string; details: RetentionRun }> }>(
      'GET',
      '/api/admin/audit?action=usage.prune',
    );
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0]?.details).toMatchObject({
      rawPruned: 6,
      policy: { rawDays: 3, hourlyDays: 5 },
    });

    // It reads no body: whatever is sent is ignored (a second run finds nothing left to prune).
    const junk = await fetch(`${gateway.url}/api/admin/usage/retention/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.runtime.adminToken}`, 'content-type': 'application/json' },
      body: '{"rawDays": "x"',
    });
    expect(junk.status).toBe(200);
    expect(await junk.json()).toMatchObject({ ran: true, rawPruned: 0 });

    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/switchyard_usage_rows_pruned_total\{table="usage"\} 6/);
    expect(metrics).toMatch(/switchyard_usage_retention_runs_total\{trigger="manual",result="ran"\} 2/);
  });

  it('the request log no longer lists pruned rows; the long windows still count them', async () => {
    const log = await admin<{ data: RequestView[] }>('GET', `/api/admin/requests?key=${keyA}`);
    expect(log.body.data).toHaveLength(4);

    for (const window of ['7d', '30d', '90d'] as const) {
      const { status, body } = await admin<StatsView>('GET', `/api/admin/stats?window=${window}`);
      expect(status).toBe(200);
      expect(body.source).toBe('rollups');
      expect(body.totals.requests).toBe(11);
      expect(body.totals.errors).toBe(1);
      expect(body.totals.costUsd).toBeCloseTo(11 * 0.25, 6);
      expect(body.buckets.reduce((sum, b) => sum + b.requests, 0)).toBe(11);
      // Estimated from the roll-ups' histograms: within the 100 ms bucket around the true 100.
      expect(body.totals.latencyP50Ms).toBeGreaterThanOrEqual(50);
      expect(body.totals.latencyP50Ms).toBeLessThanOrEqual(200);
      expect(body.accounts.find((a) => a.accountId === account)?.requests).toBe(7);
    }
    const week = await admin<StatsView>('GET', '/api/admin/stats?window=7d');
    expect(week.body.bucketSeconds).toBe(3_600);
    expect(week.body.buckets).toHaveLength(168);
    const hour = await admin<StatsView>('GET', '/api/admin/stats?window=1h');
    expect(hour.body.source).toBe('ledger');
    expect(hour.body.totals.requests).toBe(3);
  });
});
