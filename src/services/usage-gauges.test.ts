import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../test/support/scheduler-fixtures.js';
import { UsageMetrics } from '../observability/usage-metrics.js';
import type { ApiKeyRecord, OwnerSpendQuery, UserRecord } from '../store/types.js';
import { UsageGauges } from './usage-gauges.js';

const NOW = Date.parse('2026-12-15T12:00:00Z');
const DAY = new Date('2026-12-15T00:00:00Z').getTime();
const MONTH = new Date('2026-12-01T00:00:00Z').getTime();

const key = (id: string, over: Partial<ApiKeyRecord> = {}) =>
  ({ id, name: id, revokedAt: null, expiresAt: null, limits: {}, ...over }) as ApiKeyRecord;
const user = (id: string, over: Partial<UserRecord> = {}) =>
  ({ id, username: id, disabledAt: null, limits: {}, ...over }) as UserRecord;

/** Spend per owner and period, as the ledger would answer. */
function fakeStore(spend: Record<string, { day: [number, number]; month: [number, number] }>) {
  const queries: OwnerSpendQuery[] = [];
  return {
    queries,
    store: {
      apiKeys: {
        list: async () => [
          key('k-budget', { limits: { usdPerDay: 10, tokensPerMonth: 1000 } }),
          key('k-revoked', { revokedAt: new Date(0), limits: { usdPerDay: 1 } }),
          key('k-expired', { expiresAt: new Date(NOW - 1), limits: { usdPerDay: 1 } }),
          key('k-free'),
        ],
      },
      users: {
        list: async () => [
          user('u-budget', { limits: { usdPerMonth: 100 } }),
          user('u-off', { disabledAt: new Date(0), limits: { usdPerMonth: 1 } }),
        ],
      },
      usageReports: {
        spendByOwner: async (query: OwnerSpendQuery) => {
          queries.push(query);
          const period =
            query.since.getTime() === DAY ? 'day' : query.since.getTime() === MONTH ? 'month' : undefined;
          if (period === undefined) throw new Error(`unexpected window ${query.since.toISOString()}`);
          return Object.entries(spend)
            .filter(([id]) =>
              query.ids ? query.ids.includes(id) : id.startsWith(query.scope === 'key' ? 'k-' : 'u-'),
            )
            .map(([id, s]) => ({ id, name: `${id} name`, usd: s[period][0], tokens: s[period][1] }))
            .sort((a, b) => b.usd - a.usd)
            .slice(0, query.limit);
        },
      },
    } as never,
  };
}

describe('UsageGauges', () => {
  it("publishes today's top spenders and the budget use of live keys and users with budgets", async () => {
    const registry = new Registry();
    const { store, queries } = fakeStore({
      'k-budget': { day: [9.5, 100], month: [20, 950] },
      'k-free': { day: [30, 5000], month: [30, 5000] },
      'u-budget': { day: [39.5, 5100], month: [80, 9000] },
    });
    const gauges = new UsageGauges(store, new UsageMetrics(registry), silentLogger(), {
      intervalMs: 0,
      top: 1,
    });
    await gauges.refresh(NOW);
    const text = await registry.metrics();
    // Top 1 key and top 1 user by spend today.
    expect(text).toContain('switchyard_usage_today_usd{scope="key",id="k-free",name="k-free name"} 30');
    expect(text).not.toContain('switchyard_usage_today_usd{scope="key",id="k-budget"');
    expect(text).toContain(
      'switchyard_usage_today_tokens{scope="user",id="u-budget",name="u-budget name"} 5100',
    );
    // The fullest budget per scope: k-budget has used 0.95 of both of its budgets.
    expect(text).toMatch(
      /switchyard_budget_used_ratio\{scope="key",id="k-budget",name="k-budget",budget="(usd_per_day|tokens_per_month)"\} 0\.95/,
    );
    expect(text).toContain(
      'switchyard_budget_used_ratio{scope="user",id="u-budget",name="u-budget",budget="usd_per_month"} 0.8',
    );
    // Revoked, expired and disabled owners are not asked about.
    const asked = queries.flatMap((q) => q.ids ?? []);
    expect(asked).not.toContain('k-revoked');
    expect(asked).not.toContain('k-expired');
    expect(asked).not.toContain('u-off');
    expect(text).toContain(`switchyard_usage_gauges_refreshed_timestamp_seconds ${NOW / 1000}`);
  });

  it('keeps the last values when the ledger cannot be read', async () => {
    const registry = new Registry();
    const metrics = new UsageMetrics(registry);
    const { store } = fakeStore({ 'k-free': { day: [1, 2], month: [1, 2] } });
    const gauges = new UsageGauges(store, metrics, silentLogger(), { intervalMs: 0, top: 5 });
    await gauges.refresh(NOW);
    const broken = new UsageGauges(
      {
        ...(store as object),
        usageReports: { spendByOwner: () => Promise.reject(new Error('down')) },
      } as never,
      metrics,
      silentLogger(),
      { intervalMs: 0, top: 5 },
    );
    await broken.refresh(NOW + 60_000);
    const text = await registry.metrics();
    expect(text).toContain('switchyard_usage_today_usd{scope="key",id="k-free",name="k-free name"} 1');
    expect(text).toContain(`switchyard_usage_gauges_refreshed_timestamp_seconds ${NOW / 1000}`);
  });
});
