/**
 * The SQL the usage roll-ups are made and read with (docs/retention.md). One place builds "ledger
 * rows as roll-up rows", so the roll-up job, the reports' recent tail and the tests agree.
 *
 * Where each period's numbers live, by the watermarks in usage_watermarks:
 *   [ .., hourly_pruned_before)                       usage_daily only
 *   [hourly_pruned_before, raw_pruned_before)         usage_hourly (final: its ledger rows are gone)
 *   [raw_pruned_before, ..)                           the ledger (usage), and usage_hourly up to rolled_through
 * Each read takes the watermarks as scalar subqueries of its one statement, so it sees them and
 * the rows in one snapshot: a prune committing meanwhile cannot make a row count twice or not at all.
 */
import { sql, type SQL } from 'drizzle-orm';
import { HISTOGRAM_BUCKETS, LATENCY_BOUNDS_MS } from '../latency-histogram.js';
import { isUuid } from './shared.js';

/** Stands for "no key / no user / no account" in the roll-ups' primary key. */
export const NO_ID = '00000000-0000-0000-0000-000000000000';

export const WATERMARKS = {
  rolledThrough: 'rolled_through',
  rawPrunedBefore: 'raw_pruned_before',
  hourlyPrunedBefore: 'hourly_pruned_before',
} as const;
export type WatermarkName = (typeof WATERMARKS)[keyof typeof WATERMARKS];

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** A time as a bound parameter both drivers read alike. */
export const at = (time: Date): SQL => sql`${time.toISOString()}::timestamptz`;

/** A watermark as a scalar subquery; -infinity when not set yet. */
export const watermark = (name: WatermarkName): SQL =>
  sql`coalesce((select at from usage_watermarks where name = ${name}), '-infinity'::timestamptz)`;

/** Where ledger rows stop being the source: below it, roll-ups hold the numbers. */
export const rawFrom = sql`greatest(${watermark(WATERMARKS.rawPrunedBefore)}, ${watermark(WATERMARKS.hourlyPrunedBefore)})`;

export const ROLLUP_COLUMNS = [
  'bucket_start',
  'api_key_id',
  'user_id',
  'account_id',
  'model',
  'status',
  'requests',
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
  'cost_usd',
  'latency_ms_sum',
  'latency_ms_max',
  'ttft_count',
  'ttft_ms_sum',
  'ttft_ms_max',
  'latency_histogram',
  'ttft_histogram',
] as const;
const KEY_COLUMNS = ROLLUP_COLUMNS.slice(0, 6);
const VALUE_COLUMNS = ROLLUP_COLUMNS.slice(6);

const list = (names: readonly string[], prefix = '') => sql.raw(names.map((n) => prefix + n).join(', '));
const bounds = sql.raw(`'{${LATENCY_BOUNDS_MS.join(',')}}'::int[]`);
const buckets = Array.from({ length: HISTOGRAM_BUCKETS }, (_, k) => k);

const bucketOf = (seconds: number, column: SQL) =>
  sql`to_timestamp(floor(extract(epoch from ${column}) / ${sql.raw(String(seconds))}) * ${sql.raw(String(seconds))})`;

/**
 * Ledger rows matching `where` (over alias `u`) as roll-up rows, one per hour and dimensions.
 * The histogram bucket of each row is computed once (width_bucket) and counted per bucket.
 */
export function ledgerAsRollups(where: SQL): SQL {
  const count = (column: string) =>
    sql.raw(
      `array[${buckets.map((k) => `count(*) filter (where r.${column} = ${k})`).join(', ')}]::integer[]`,
    );
  return sql`
    select ${bucketOf(3600, sql`r.created_at`)} as bucket_start,
      coalesce(r.api_key_id, ${NO_ID}::uuid) as api_key_id,
      coalesce(r.user_id, ${NO_ID}::uuid) as user_id,
      coalesce(r.account_id, ${NO_ID}::uuid) as account_id,
      r.model, r.status,
      count(*) as requests,
      coalesce(sum(r.input_tokens), 0) as input_tokens,
      coalesce(sum(r.output_tokens), 0) as output_tokens,
      coalesce(sum(r.cache_creation_input_tokens), 0) as cache_creation_input_tokens,
      coalesce(sum(r.cache_read_input_tokens), 0) as cache_read_input_tokens,
      coalesce(sum(r.cost_usd), 0) as cost_usd,
      coalesce(sum(r.latency_ms), 0) as latency_ms_sum,
      coalesce(max(r.latency_ms), 0) as latency_ms_max,
      count(r.ttft_ms) as ttft_count,
      coalesce(sum(r.ttft_ms), 0) as ttft_ms_sum,
      coalesce(max(r.ttft_ms), 0) as ttft_ms_max,
      ${count('latency_bucket')} as latency_histogram,
      ${count('ttft_bucket')} as ttft_histogram
    from (
      select u.created_at, u.api_key_id, u.user_id, u.account_id, u.model, u.status,
        u.input_tokens, u.output_tokens, u.cache_creation_input_tokens, u.cache_read_input_tokens,
        u.cost_usd, u.latency_ms, u.ttft_ms,
        width_bucket(u.latency_ms, ${bounds}) as latency_bucket,
        width_bucket(u.ttft_ms, ${bounds}) as ttft_bucket
      from usage u where ${where}
    ) r
    group by 1, 2, 3, 4, 5, 6`;
}

/** Sums of roll-up rows (alias `h`) per `bucket` expression and dimensions; histograms bucket by bucket. */
function mergedRollups(bucket: SQL, where: SQL, table: 'usage_hourly'): SQL {
  const merge = (column: string) =>
    sql.raw(`array[${buckets.map((k) => `sum(h.${column}[${k + 1}])`).join(', ')}]::integer[]`);
  return sql`
    select ${bucket} as bucket_start, h.api_key_id, h.user_id, h.account_id, h.model, h.status,
      sum(h.requests), sum(h.input_tokens), sum(h.output_tokens), sum(h.cache_creation_input_tokens),
      sum(h.cache_read_input_tokens), sum(h.cost_usd), sum(h.latency_ms_sum), max(h.latency_ms_max),
      sum(h.ttft_count), sum(h.ttft_ms_sum), max(h.ttft_ms_max),
      ${merge('latency_histogram')}, ${merge('ttft_histogram')}
    from ${sql.raw(table)} h where ${where}
    group by 1, 2, 3, 4, 5, 6`;
}

/** Hourly roll-ups of [from, to) added up per UTC day. */
export const hourlyAsDaily = (from: Date, to: Date): SQL =>
  mergedRollups(
    bucketOf(86400, sql`h.bucket_start`),
    sql`h.bucket_start >= ${at(from)} and h.bucket_start < ${at(to)}`,
    'usage_hourly',
  );

/**
 * Writes `rows` (roll-up shaped) into `table`, replacing what a bucket held: running it again
 * changes nothing, and a recompute that saw late ledger rows overwrites the older sums.
 */
export function upsertRollups(table: 'usage_hourly' | 'usage_daily', rows: SQL): SQL {
  const name = sql.raw(table);
  const set = sql.raw(VALUE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', '));
  return sql`
    insert into ${name} (${list(ROLLUP_COLUMNS)}) ${rows}
    on conflict (${list(KEY_COLUMNS)}) do update set ${set}
    where (${name}.requests, ${name}.cost_usd, ${name}.latency_ms_sum)
      is distinct from (excluded.requests, excluded.cost_usd, excluded.latency_ms_sum)`;
}

/** A rows-of-every-source union for reports over [from, to): daily, hourly, then the ledger's tail. */
export function rollupSources(from: Date, to: Date, filter: { apiKeyId?: string; userId?: string }): SQL {
  const hourlyFrom = watermark(WATERMARKS.hourlyPrunedBefore);
  const rolled = sql`greatest(${watermark(WATERMARKS.rolledThrough)}, ${rawFrom})`;
  const owner = (alias: string) => {
    const parts: SQL[] = [];
    if (filter.apiKeyId !== undefined)
      parts.push(sql`${sql.raw(alias)}.api_key_id = ${filter.apiKeyId}::uuid`);
    if (filter.userId !== undefined) parts.push(sql`${sql.raw(alias)}.user_id = ${filter.userId}::uuid`);
    return parts.length === 0 ? sql`` : sql` and ${sql.join(parts, sql` and `)}`;
  };
  const columns = list(ROLLUP_COLUMNS, 'x.');
  return sql`
    select ${columns} from usage_daily x
      where x.bucket_start >= ${at(from)} and x.bucket_start < least(${at(to)}, ${hourlyFrom})${owner('x')}
    union all
    select ${columns} from usage_hourly x
      where x.bucket_start >= greatest(${at(from)}, ${hourlyFrom})
        and x.bucket_start < least(${at(to)}, ${rolled})${owner('x')}
    union all
    ${ledgerAsRollups(sql`u.created_at >= greatest(${at(from)}, ${rolled}) and u.created_at < ${at(to)}${owner('u')}`)}`;
}

/**
 * Spend rows (owner, usd, tokens: all but cache reads) of keys or users since `since`, from the
 * ledger where it is kept and from the roll-ups where it was pruned: group and sum them. `ids`:
 * those owners only (valid UUIDs); otherwise every owner. Exact after pruning when `since` falls
 * on a bucket start there, as budgets' days and months do.
 */
export function ownerSpendRows(column: 'api_key_id' | 'user_id', since: Date, ids?: readonly string[]): SQL {
  const owner = sql.raw(column);
  const tokens = (alias: string) =>
    sql.raw(`${alias}.input_tokens + ${alias}.cache_creation_input_tokens + ${alias}.output_tokens`);
  // A malformed id matches nothing rather than raising a cast error.
  const valid = ids?.filter(isUuid);
  const idList =
    valid &&
    sql.join(
      valid.map((id) => sql`${id}::uuid`),
      sql`, `,
    );
  const which = (alias: string) =>
    idList === undefined
      ? sql`${sql.raw(alias)}.${owner} is not null and ${sql.raw(alias)}.${owner} <> ${NO_ID}::uuid`
      : valid?.length === 0
        ? sql`false`
        : sql`${sql.raw(alias)}.${owner} in (${idList})`;
  const hourlyFrom = watermark(WATERMARKS.hourlyPrunedBefore);
  return sql`
    select u.${owner} as owner, u.cost_usd as usd, ${tokens('u')} as tokens from usage u
      where ${which('u')} and u.created_at >= greatest(${at(since)}, ${rawFrom})
    union all
    select h.${owner}, h.cost_usd, ${tokens('h')} from usage_hourly h
      where ${which('h')} and h.bucket_start >= greatest(${at(since)}, ${hourlyFrom})
        and h.bucket_start < ${rawFrom}
    union all
    select d.${owner}, d.cost_usd, ${tokens('d')} from usage_daily d
      where ${which('d')} and d.bucket_start >= ${at(since)} and d.bucket_start < ${hourlyFrom}`;
}

/** One key's or user's spend since `since`: what budgets start from. */
export const ownerSpendSince = (column: 'api_key_id' | 'user_id', id: string, since: Date): SQL => sql`
  select coalesce(sum(s.usd), 0)::float8 as usd, coalesce(sum(s.tokens), 0)::float8 as tokens
  from (${ownerSpendRows(column, since, [id])}) s`;
