/**
 * The database does not grow without bound under steady traffic: many simulated days of ledger
 * rows, the retention job after each day, and the ledger's row count and size on disk stay
 * under a bound while the total written keeps growing. Budgets stay exact all along.
 * Prints the numbers (docs/retention.md quotes them).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageRetentionService } from '../../src/services/usage-retention.js';
import { internalDatabaseOf } from '../../src/store/internal.js';
import type { Store, UsageRecord } from '../../src/store/index.js';
import { freshStore, type StoreKind } from '../support/store.js';

const DAY = 86_400_000;
const DAYS = 40;
const ROWS_PER_DAY = 4_800; // 200 an hour
const POLICY = { rawDays: 7, hourlyDays: 14 };

async function measure(store: Store) {
  const result = (await internalDatabaseOf(store).execute(sql`
    select (select count(*) from usage)::float8 as raw,
      (select count(*) from usage_hourly)::float8 as hourly,
      (select count(*) from usage_daily)::float8 as daily,
      pg_total_relation_size('usage')::float8 as raw_bytes,
      pg_total_relation_size('usage_hourly')::float8 as hourly_bytes,
      pg_total_relation_size('usage_daily')::float8 as daily_bytes`)) as {
    rows: Array<Record<string, number>>;
  };
  const row = result.rows[0] ?? {};
  return {
    raw: Number(row.raw),
    hourly: Number(row.hourly),
    daily: Number(row.daily),
    rawBytes: Number(row.raw_bytes),
    hourlyBytes: Number(row.hourly_bytes),
    dailyBytes: Number(row.daily_bytes),
  };
}

describe.each<StoreKind>(['pglite', 'postgres'])('usage tables stay bounded on %s', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await freshStore(kind));
  });
  afterAll(() => close?.());

  it(`keeps ${POLICY.rawDays} days of ledger rows through ${DAYS} simulated days of traffic`, async () => {
    const keys = Array.from({ length: 20 }, () => randomUUID());
    const users = Array.from({ length: 5 }, () => randomUUID());
    const accounts = Array.from({ length: 3 }, () => randomUUID());
    const service = new UsageRetentionService(store.usageRollups, POLICY);
    const start = Date.parse('2026-09-20T00:00:00Z');
    const spentThisMonth = new Map<string, number>(); // month start → key 0's spend in that month
    let written = 0;
    const seen: Array<ReturnType<typeof measure> extends Promise<infer T> ? T & { day: number } : never> = [];
    const log = (line: string) => process.stdout.write(`${line}\n`);

    for (let day = 0; day < DAYS; day++) {
      const dayStart = start + day * DAY;
      const rows: UsageRecord[] = Array.from({ length: ROWS_PER_DAY }, (_, i) => {
        const n = written + i;
        return {
          requestId: `req_${randomUUID().replaceAll('-', '')}`,
          apiKeyId: keys[n % keys.length] ?? null,
          userId: users[n % users.length] ?? null,
          accountId: accounts[n % accounts.length] ?? null,
          model: n % 4 === 0 ? 'claude-haiku-4-5' : 'claude-sonnet-4-5',
          requestedModel: null,
          stream: n % 2 === 0,
          inputTokens: 500 + (n % 1000),
          outputTokens: 100 + (n % 700),
          cacheCreationInputTokens: n % 50,
          cacheReadInputTokens: n % 200,
          status: n % 50 === 0 ? 529 : n % 97 === 0 ? 429 : 200,
          errorType: n % 50 === 0 ? 'overloaded_error' : n % 97 === 0 ? 'rate_limit_error' : null,
          latencyMs: 200 + ((n * 7919) % 20_000),
          ttftMs: n % 2 === 0 ? 100 + (n % 900) : null,
          costUsd: Number((0.000173 * ((n % 31) + 1)).toFixed(6)),
          createdAt: new Date(dayStart + Math.floor((i * DAY) / ROWS_PER_DAY)),
        };
      });
      for (let i = 0; i < rows.length; i += 2_000) await store.usage.insertMany(rows.slice(i, i + 2_000));
      written += rows.length;
      for (const row of rows) {
        if (row.apiKeyId !== keys[0]) continue;
        const month = new Date(row.createdAt);
        const monthStart = Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), 1);
        spentThisMonth.set(String(monthStart), (spentThisMonth.get(String(monthStart)) ?? 0) + row.costUsd);
      }

      // The job runs a few minutes into the next day, as the hourly schedule would.
      const now = dayStart + DAY + 5 * 60_000;
      const run = await service.run(new Date(now));
      expect(run.ran).toBe(true);
      const sizes = await measure(store);
      seen.push({ ...sizes, day });

      // Never more than the retention's days of ledger rows (plus the day being written).
      expect(sizes.raw).toBeLessThanOrEqual((POLICY.rawDays + 1) * ROWS_PER_DAY);
      // A monthly budget reads the same spend as the rows written this month, pruned or not.
      const nowDate = new Date(now - 10 * 60_000);
      const monthStart = Date.UTC(nowDate.getUTCFullYear(), nowDate.getUTCMonth(), 1);
      const budget = await store.usage.spendSince({ apiKeyId: keys[0] ?? '' }, new Date(monthStart));
      expect(budget.usd).toBeCloseTo(spentThisMonth.get(String(monthStart)) ?? 0, 6);

      if (day % 5 === 4 || day === DAYS - 1) {
        log(
          `${kind} day ${String(day + 1).padStart(2)}: written ${written}, ledger ${sizes.raw} rows ` +
            `${(sizes.rawBytes / 1_048_576).toFixed(1)} MiB (${Math.round(sizes.rawBytes / Math.max(1, sizes.raw))} B/row), ` +
            `hourly ${sizes.hourly} rows ${(sizes.hourlyBytes / 1_048_576).toFixed(1)} MiB, ` +
            `daily ${sizes.daily} rows ${(sizes.dailyBytes / 1_048_576).toFixed(2)} MiB; last run ${run.ms} ms`,
        );
      }
    }

    // Once the retention is reached the ledger stops growing, on disk too, while writes go on.
    const steady = seen.filter((s) => s.day >= POLICY.rawDays + 2);
    const first = steady[0];
    const last = seen.at(-1);
    if (first === undefined || last === undefined) throw new Error('no steady state');
    expect(written).toBeGreaterThanOrEqual(4 * (first.day + 1) * ROWS_PER_DAY * 0.9);
    for (const s of steady) {
      expect(s.raw).toBe(POLICY.rawDays * ROWS_PER_DAY);
      expect(s.rawBytes).toBeLessThanOrEqual(first.rawBytes * 1.5);
    }
    // Hourly roll-ups are bounded by their own retention; daily ones grow by one day's worth a day.
    const hourlySteady = seen.filter((s) => s.day >= POLICY.hourlyDays + 2);
    const hourlyFirst = hourlySteady[0];
    if (hourlyFirst === undefined) throw new Error('no steady state for hourly roll-ups');
    for (const s of hourlySteady) expect(s.hourlyBytes).toBeLessThanOrEqual(hourlyFirst.hourlyBytes * 1.5);
    expect(last.daily).toBeLessThanOrEqual(DAYS * keys.length * accounts.length * 2 * 3);
    expect(last.raw).toBeLessThan(written / 4);
  }, 300_000);
});
