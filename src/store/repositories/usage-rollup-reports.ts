import { sql } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import { HISTOGRAM_BUCKETS } from '../latency-histogram.js';
import type { UsageRollupBucket, UsageRollupFilter, UsageRollupRepository } from '../usage-rollup-types.js';
import { isUuid, rowsOf } from './shared.js';
import { NO_ID, rollupSources } from './usage-rollup-sql.js';

const num = (value: unknown): number => Number(value ?? 0);
const histogramOf = (value: unknown): number[] =>
  Array.isArray(value) ? value.map(num) : new Array<number>(HISTOGRAM_BUCKETS).fill(0);

const isError = sql.raw('status >= 400 and status <> 499');
const mergedHistogram = (column: string) =>
  sql.raw(
    `array[${Array.from({ length: HISTOGRAM_BUCKETS }, (_, k) => `coalesce(sum(${column}[${k + 1}]), 0)`).join(', ')}]::float8[]`,
  );

/** A malformed id matches nothing rather than raising a cast error. */
const validFilter = (filter: UsageRollupFilter) =>
  (filter.apiKeyId === undefined || isUuid(filter.apiKeyId)) &&
  (filter.userId === undefined || isUuid(filter.userId));

/** Reports over long windows: roll-ups where they are complete, the ledger for the rest. */
export function usageRollupReads(db: StoreDatabase): Pick<UsageRollupRepository, 'buckets' | 'byAccount'> {
  return {
    async buckets(from, to, bucketSeconds, filter = {}) {
      if (!validFilter(filter)) return [];
      const seconds = sql.raw(String(Math.max(1, Math.floor(bucketSeconds))));
      const rows = rowsOf(
        await db.execute(sql`
          select (floor(extract(epoch from s.bucket_start) / ${seconds}) * ${seconds})::float8 as start_epoch,
            sum(s.requests)::float8 as requests,
            coalesce(sum(s.requests) filter (where ${isError}), 0)::float8 as errors,
            sum(s.input_tokens)::float8 as input_tokens,
            sum(s.output_tokens)::float8 as output_tokens,
            sum(s.cache_read_input_tokens)::float8 as cache_read_input_tokens,
            sum(s.cache_creation_input_tokens)::float8 as cache_creation_input_tokens,
            sum(s.cost_usd)::float8 as cost_usd,
            max(s.latency_ms_max)::float8 as latency_ms_max,
            max(s.ttft_ms_max)::float8 as ttft_ms_max,
            ${mergedHistogram('s.latency_histogram')} as latency_histogram,
            ${mergedHistogram('s.ttft_histogram')} as ttft_histogram
          from (${rollupSources(from, to, filter)}) s
          group by 1 order by 1`),
      );
      return rows.map((row): UsageRollupBucket => ({
        start: new Date(num(row.start_epoch) * 1000),
        requests: num(row.requests),
        errors: num(row.errors),
        inputTokens: num(row.input_tokens),
        outputTokens: num(row.output_tokens),
        cacheReadInputTokens: num(row.cache_read_input_tokens),
        cacheCreationInputTokens: num(row.cache_creation_input_tokens),
        costUsd: num(row.cost_usd),
        latencyMsMax: num(row.latency_ms_max),
        ttftMsMax: num(row.ttft_ms_max),
        latencyHistogram: histogramOf(row.latency_histogram),
        ttftHistogram: histogramOf(row.ttft_histogram),
      }));
    },

    async byAccount(from, to, filter = {}) {
      if (!validFilter(filter)) return [];
      const rows = rowsOf(
        await db.execute(sql`
          select nullif(s.account_id, ${NO_ID}::uuid) as account_id,
            sum(s.requests)::float8 as requests,
            coalesce(sum(s.requests) filter (where ${isError}), 0)::float8 as errors,
            sum(s.input_tokens)::float8 as input_tokens,
            sum(s.output_tokens)::float8 as output_tokens,
            sum(s.cost_usd)::float8 as cost_usd
          from (${rollupSources(from, to, filter)}) s
          group by 1 order by 2 desc, 1`),
      );
      return rows.map((row) => ({
        accountId: (row.account_id as string | null) ?? null,
        requests: num(row.requests),
        errors: num(row.errors),
        inputTokens: num(row.input_tokens),
        outputTokens: num(row.output_tokens),
        costUsd: num(row.cost_usd),
      }));
    },
  };
}
