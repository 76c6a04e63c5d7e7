/**
 * Usage roll-ups and pruning (docs/retention.md) on PGlite and PostgreSQL: roll-ups add up to the
 * ledger, are idempotent and take late rows, pruning keeps to the retention, and budgets and
 * long-window reports read the same numbers before and after the ledger rows are gone.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageRetentionService } from '../../src/services/usage-retention.js';
import { internalDatabaseOf } from '../../src/store/internal.js';
import type { Store, UsageRecord } from '../../src/store/index.js';
import { freshStore, type StoreKind } from '../support/store.js';
import { usageRow } from './contract/harness.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const NO_ID = '00000000-0000-0000-0000-000000000000';

type Row = Record<string, unknown>;
async function rows(store: Store, query: ReturnType<typeof sql>): Promise<Row[]> {
  const result = (await internalDatabaseOf(store).execute(query)) as { rows?: Row[] };
  return result.rows ?? [];
}

/** Every roll-up row as text, in key order: equal snapshots mean equal tables. */
async function snapshot(store: Store, table: 'usage_hourly' | 'usage_daily'): Promise<string[]> {
  const all = await rows(
    store,
    sql.raw(
      `select to_jsonb(t)::text as r from ${table} t order by bucket_start, api_key_id, user_id, account_id, model, status`,
    ),
  );
  return all.map((row) => String(row.r));
}

/** The ledger's own sums per bucket, computed here from the rows as inserted. */
function expectedSums(inserted: readonly UsageRecord[], bucketMs: number) {
  const sums = new Map<
    number,
    { requests: number; input: number; output: number; cost: number; ttft: number }
  >();
  for (const row of inserted) {
    const start = Math.floor(row.createdAt.getTime() / bucketMs) * bucketMs;
    const s = sums.get(start) ?? { requests: 0, input: 0, output: 0, cost: 0, ttft: 0 };
    s.requests += 1;
    s.input += row.inputTokens;
    s.output += row.outputTokens;
    s.cost += row.costUsd;
    s.ttft += row.ttftMs === null ? 0 : 1;
    sums.set(start, s);
  }
  return sums;
}

async function rollupSums(store: Store, table: 'usage_hourly' | 'usage_daily') {
  const all = await rows(
    store,
    sql.raw(`select extract(epoch from bucket_start)::float8 * 1000 as start, sum(requests)::float8 as requests,
      sum(input_tokens)::float8 as input, sum(output_tokens)::float8 as output, sum(cost_usd)::float8 as cost,
      sum(ttft_count)::float8 as ttft,
      sum((select sum(x) from unnest(latency_histogram) x))::float8 as histogram
      from ${table} group by 1 order by 1`),
  );
  return new Map(
    all.map((r) => [
      Number(r.start),
      {
        requests: Number(r.requests),
        input: Number(r.input),
        output: Number(r.output),
        cost: Number(r.cost),
        ttft: Number(r.ttft),
        histogram: Number(r.histogram),
      },
    ]),
  );
}

describe.each<StoreKind>(['pglite', 'postgres'])('usage retention on %s', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await freshStore(kind));
  });
  afterAll(() => close?.());

  // 2026-10-28 00:00 UTC: five days of traffic, across a month boundary.
  const start = Date.parse('2026-10-28T00:00:00Z');
  const keyA = randomUUID();
  const keyB = randomUUID();
  const user = randomUUID();
  const accounts = [randomUUID(), null];
  const inserted: UsageRecord[] = [];

  function traffic(from: number, hours: number, perHour: number): UsageRecord[] {
    const made: UsageRecord[] = [];
    for (let h = 0; h < hours; h++) {
      for (let i = 0; i < perHour; i++) {
        const n = inserted.length + made.length;
        made.push(
          usageRow({
            apiKeyId: n % 5 === 0 ? null : n % 2 === 0 ? keyA : keyB,
            userId: n % 5 === 0 ? null : user,
            accountId: accounts[n % 2] ?? null,
            model: n % 3 === 0 ? 'claude-haiku-4-5' : 'claude-sonnet-4-5',
            status: n % 7 === 0 ? 529 : n % 11 === 0 ? 499 : 200,
            stream: n % 2 === 0,
            inputTokens: 10 + (n % 13),
            outputTokens: 5 + (n % 17),
            cacheCreationInputTokens: n % 3,
            cacheReadInputTokens: n % 4,
            latencyMs: 30 + ((n * 37) % 9_000),
            ttftMs: n % 2 === 0 ? 20 + (n % 400) : null,
            costUsd: Number((0.000137 * ((n % 9) + 1)).toFixed(6)),
            createdAt: new Date(from + h * HOUR + Math.floor((i * HOUR) / perHour)),
          }),
        );
      }
    }
    return made;
  }

  async function insert(made: UsageRecord[]) {
    inserted.push(...made);
    await store.usage.insertMany(made);
  }

  const spend = (key: string | undefined, since: number) => {
    const mine = inserted.filter(
      (r) => r.createdAt.getTime() >= since && (key === undefined || r.apiKeyId === key),
    );
    const forUser = key === undefined ? mine.filter((r) => r.userId === user) : mine;
    return {
      usd: forUser.reduce((s, r) => s + r.costUsd, 0),
      tokens: forUser.reduce((s, r) => s + r.inputTokens + r.cacheCreationInputTokens + r.outputTokens, 0),
    };
  };

  it('rolls closed hours up into sums equal to the ledger, and days into days', async () => {
    await insert(traffic(start, 5 * 24, 12));
    const service = new UsageRetentionService(store.usageRollups, { rawDays: 0, hourlyDays: 0 });
    const now = new Date(start + 5 * DAY + 10 * 60_000);
    const run = await service.run(now);
    expect(run).toMatchObject({ ran: true, hoursRolledUp: 120, rawPruned: 0, hourlyPruned: 0 });

    for (const [table, bucket] of [
      ['usage_hourly', HOUR],
      ['usage_daily', DAY],
    ] as const) {
      const expected = expectedSums(inserted, bucket);
      const actual = await rollupSums(store, table);
      expect([...actual.keys()]).toEqual([...expected.keys()]);
      for (const [at, sums] of expected) {
        const got = actual.get(at);
        expect(got?.requests).toBe(sums.requests);
        expect(got?.input).toBe(sums.input);
        expect(got?.output).toBe(sums.output);
        expect(got?.cost).toBeCloseTo(sums.cost, 6);
        expect(got?.ttft).toBe(sums.ttft);
        expect(got?.histogram).toBe(sums.requests);
      }
    }
    // Ledger rows without a key, user or account are rolled up under the nil id.
    const [nil] = await rows(
      store,
      sql`select count(*)::int as n from usage_hourly where api_key_id = ${NO_ID}::uuid`,
    );
    expect(Number(nil?.n)).toBeGreaterThan(0);
    expect((await service.status()).watermarks.rolledThrough).toBe(new Date(start + 5 * DAY).toISOString());
  });

  it('is idempotent: running again, or rolling an hour up twice, changes nothing', async () => {
    const hourly = await snapshot(store, 'usage_hourly');
    const daily = await snapshot(store, 'usage_daily');
    const service = new UsageRetentionService(store.usageRollups, { rawDays: 0, hourlyDays: 0 });
    await service.run(new Date(start + 5 * DAY + 20 * 60_000));
    await store.usageRollups.rollUp(new Date(start + 30 * HOUR), new Date(start + 31 * HOUR));
    await store.usageRollups.rollUp(new Date(start + 30 * HOUR), new Date(start + 31 * HOUR));
    expect(await snapshot(store, 'usage_hourly')).toEqual(hourly);
    expect(await snapshot(store, 'usage_daily')).toEqual(daily);
  });

  it('leaves the open hour alone and takes late rows into hours it already rolled up', async () => {
    const service = new UsageRetentionService(store.usageRollups, { rawDays: 0, hourlyDays: 0 });
    const open = start + 5 * DAY;
    // Rows of the open hour: not rolled up until it closes.
    await insert(traffic(open, 1, 6));
    await service.run(new Date(open + 30 * 60_000));
    expect((await rollupSums(store, 'usage_hourly')).get(open)).toBeUndefined();
    // A late row for an hour rolled up two hours ago (a gateway's buffer held it through an outage).
    const late = traffic(open - 2 * HOUR, 1, 1);
    await insert(late);
    await service.run(new Date(open + HOUR + 5 * 60_000));
    const hourly = await rollupSums(store, 'usage_hourly');
    expect(hourly.get(open)?.requests).toBe(6);
    expect(hourly.get(open - 2 * HOUR)?.requests).toBe(
      expectedSums(inserted, HOUR).get(open - 2 * HOUR)?.requests,
    );
    expect((await rollupSums(store, 'usage_daily')).get(open - DAY)?.requests).toBe(
      expectedSums(inserted, DAY).get(open - DAY)?.requests,
    );
  });

  it('prunes only past the retention, keeps budgets and long reports exact across the pruned part', async () => {
    const now = start + 5 * DAY + HOUR + 10 * 60_000; // 2026-11-02 01:10
    // A row written very late into a day about to be pruned: the seal's last recompute takes it.
    await insert(traffic(start + DAY + 7 * HOUR, 1, 1));
    const monthStart = Date.parse('2026-11-01T00:00:00Z');
    const dayStart = Date.parse('2026-11-02T00:00:00Z');
    const octoberStart = Date.parse('2026-10-01T00:00:00Z');
    const before = {
      keyMonth: await store.usage.spendSince({ apiKeyId: keyA }, new Date(monthStart)),
      userOctober: await store.usage.spendSince({ userId: user }, new Date(octoberStart)),
      keyDay: await store.usage.spendSince({ apiKeyId: keyB }, new Date(dayStart)),
    };
    expect(before.keyMonth.usd).toBeCloseTo(spend(keyA, monthStart).usd, 6);
    expect(before.keyMonth.tokens).toBe(spend(keyA, monthStart).tokens);
    expect(before.userOctober.tokens).toBe(spend(undefined, octoberStart).tokens);

    // Ledger rows kept a day, hourly roll-ups three days: daily ones for good.
    const service = new UsageRetentionService(
      store.usageRollups,
      { rawDays: 1, hourlyDays: 3 },
      { batchRows: 100 },
    );
    const run = await service.run(new Date(now));
    const rawCut = Math.floor((now - DAY) / HOUR) * HOUR; // 2026-11-01 01:00
    const hourlyCut = Math.floor((now - 3 * DAY) / DAY) * DAY; // 2026-10-30
    const kept = inserted.filter((r) => r.createdAt.getTime() >= rawCut).length;
    expect(run.rawPruned).toBe(inserted.length - kept);
    expect(await store.usage.count()).toBe(kept);
    const [oldest] = await rows(store, sql`select min(created_at) as at from usage`);
    expect(new Date(oldest?.at as string).getTime()).toBeGreaterThanOrEqual(rawCut);
    const [hourlyOldest] = await rows(store, sql`select min(bucket_start) as at from usage_hourly`);
    expect(new Date(hourlyOldest?.at as string).getTime()).toBe(hourlyCut);
    expect(run.hourlyPruned).toBeGreaterThan(0);
    const daily = await rollupSums(store, 'usage_daily');
    expect(daily.get(start)?.requests).toBe(expectedSums(inserted, DAY).get(start)?.requests);
    expect(daily.get(start + DAY)?.requests).toBe(expectedSums(inserted, DAY).get(start + DAY)?.requests);
    expect((await service.status()).watermarks).toEqual({
      rolledThrough: new Date(Math.floor(now / HOUR) * HOUR).toISOString(),
      rawPrunedBefore: new Date(rawCut).toISOString(),
      hourlyPrunedBefore: new Date(hourlyCut).toISOString(),
    });

    // Budgets read the same spend: roll-ups for the pruned part, the ledger for the rest.
    expect(await store.usage.spendSince({ apiKeyId: keyA }, new Date(monthStart))).toEqual(before.keyMonth);
    const userOctober = await store.usage.spendSince({ userId: user }, new Date(octoberStart));
    expect(userOctober.tokens).toBe(before.userOctober.tokens);
    expect(userOctober.usd).toBeCloseTo(before.userOctober.usd, 9);
    expect(await store.usage.spendSince({ apiKeyId: keyB }, new Date(dayStart))).toEqual(before.keyDay);

    // Reports over the whole span: daily, hourly and ledger rows add up to everything inserted.
    const buckets = await store.usageRollups.buckets(new Date(start), new Date(now + HOUR), 86_400);
    expect(buckets.reduce((s, b) => s + b.requests, 0)).toBe(inserted.length);
    expect(buckets.reduce((s, b) => s + b.costUsd, 0)).toBeCloseTo(
      inserted.reduce((s, r) => s + r.costUsd, 0),
      6,
    );
    const errors = inserted.filter((r) => r.status >= 400 && r.status !== 499).length;
    expect(buckets.reduce((s, b) => s + b.errors, 0)).toBe(errors);
    const perKey = await store.usageRollups.buckets(new Date(start), new Date(now + HOUR), 86_400, {
      apiKeyId: keyA,
    });
    expect(perKey.reduce((s, b) => s + b.requests, 0)).toBe(
      inserted.filter((r) => r.apiKeyId === keyA).length,
    );
    const byAccount = await store.usageRollups.byAccount(new Date(start), new Date(now + HOUR));
    expect(byAccount.map((a) => a.accountId).sort()).toEqual([accounts[0], null].sort());
    expect(byAccount.reduce((s, a) => s + a.requests, 0)).toBe(inserted.length);

    // Idempotent after pruning too: nothing left to prune, roll-ups unchanged.
    const hourly = await snapshot(store, 'usage_hourly');
    expect(await service.run(new Date(now))).toMatchObject({ rawPruned: 0, hourlyPruned: 0 });
    expect(await snapshot(store, 'usage_hourly')).toEqual(hourly);
  });

  it('runs once when two gateways start it together (PostgreSQL advisory lock); PGlite has one process', async () => {
    const policy = { rawDays: 1, hourlyDays: 3 };
    const now = new Date(start + 5 * DAY + 2 * HOUR + 5 * 60_000);
    const [a, b] = await Promise.all([
      new UsageRetentionService(store.usageRollups, policy).run(now, 500),
      new UsageRetentionService(store.usageRollups, policy).run(now, 500),
    ]);
    expect([a.ran, b.ran].sort()).toEqual(kind === 'postgres' ? [false, true] : [true, true]);
    // One service runs its own calls one after another.
    const service = new UsageRetentionService(store.usageRollups, policy);
    const both = await Promise.all([service.run(now), service.run(now)]);
    expect(both.map((run) => run.ran)).toEqual([true, true]);
  });
});
