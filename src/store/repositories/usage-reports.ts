import { and, desc, eq, getTableColumns, gte, lt, or, sql, type SQL } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import { accounts, apiKeys, usage, users } from '../schema.js';
import type {
  UsageAccountAggregate,
  UsageAggregate,
  UsageReportRepository,
  UsageRequestFilter,
} from '../types.js';
import { isUuid } from './shared.js';
import { spendByOwner } from './usage-owners.js';

// 499 is a client that left (or a chat stop): counting it would page people for users' choices.
const isError = sql`${usage.status} >= 400 and ${usage.status} <> 499`;

/** Percentiles in the database: only one row per bucket crosses the wire, however busy the hour. */
const percentile = (fraction: number, column: typeof usage.latencyMs | typeof usage.ttftMs) =>
  sql<number | null>`percentile_cont(${sql.raw(String(fraction))}) within group (order by ${column})`;

// Counts and sums are bigint/numeric, which drivers hand back as strings: cast what fits a double.
const AGGREGATE = {
  requests: sql<number>`count(*)::float8`,
  errors: sql<number>`(count(*) filter (where ${isError}))::float8`,
  latencyP50Ms: percentile(0.5, usage.latencyMs),
  latencyP95Ms: percentile(0.95, usage.latencyMs),
  latencyP99Ms: percentile(0.99, usage.latencyMs),
  ttftP50Ms: percentile(0.5, usage.ttftMs),
  ttftP95Ms: percentile(0.95, usage.ttftMs),
  ttftP99Ms: percentile(0.99, usage.ttftMs),
  inputTokens: sql<number>`coalesce(sum(${usage.inputTokens}), 0)::float8`,
  outputTokens: sql<number>`coalesce(sum(${usage.outputTokens}), 0)::float8`,
  cacheReadInputTokens: sql<number>`coalesce(sum(${usage.cacheReadInputTokens}), 0)::float8`,
  cacheCreationInputTokens: sql<number>`coalesce(sum(${usage.cacheCreationInputTokens}), 0)::float8`,
  costUsd: sql<number>`coalesce(sum(${usage.costUsd}), 0)::float8`,
};

type AggregateRow = { [K in keyof typeof AGGREGATE]: unknown };

const num = (value: unknown): number => Number(value ?? 0);
const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

function aggregateOf(row: AggregateRow | undefined): UsageAggregate {
  return {
    requests: num(row?.requests),
    errors: num(row?.errors),
    latencyP50Ms: numOrNull(row?.latencyP50Ms),
    latencyP95Ms: numOrNull(row?.latencyP95Ms),
    latencyP99Ms: numOrNull(row?.latencyP99Ms),
    ttftP50Ms: numOrNull(row?.ttftP50Ms),
    ttftP95Ms: numOrNull(row?.ttftP95Ms),
    ttftP99Ms: numOrNull(row?.ttftP99Ms),
    inputTokens: num(row?.inputTokens),
    outputTokens: num(row?.outputTokens),
    cacheReadInputTokens: num(row?.cacheReadInputTokens),
    cacheCreationInputTokens: num(row?.cacheCreationInputTokens),
    costUsd: num(row?.costUsd),
  };
}

const inWindow = (from: Date, to: Date) => and(gte(usage.createdAt, from), lt(usage.createdAt, to));

function requestConditions(filter: UsageRequestFilter): SQL | undefined {
  const { apiKeyId, userId, accountId, model, status, from, to, before } = filter;
  // A malformed id matches nothing rather than raising a cast error.
  const idMatch = (
    column: typeof usage.apiKeyId | typeof usage.userId | typeof usage.accountId,
    id: string | undefined,
  ) => (id === undefined ? undefined : isUuid(id) ? eq(column, id) : sql`false`);
  const conditions: Array<SQL | undefined> = [
    idMatch(usage.apiKeyId, apiKeyId),
    idMatch(usage.userId, userId),
    idMatch(usage.accountId, accountId),
    model === undefined ? undefined : eq(usage.model, model),
    status === undefined ? undefined : sql`${usage.status} between ${status.min} and ${status.max}`,
    from === undefined ? undefined : gte(usage.createdAt, from),
    to === undefined ? undefined : lt(usage.createdAt, to),
  ];
  if (before !== undefined) {
    conditions.push(
      or(
        lt(usage.createdAt, before.at),
        and(eq(usage.createdAt, before.at), lt(usage.requestId, before.requestId)),
      ),
    );
  }
  return and(...conditions);
}

export function usageReportRepository(db: StoreDatabase): UsageReportRepository {
  return {
    async buckets(from, to, bucketSeconds) {
      const seconds = sql.raw(String(Math.max(1, Math.floor(bucketSeconds))));
      const rows = await db
        .select({
          startEpoch: sql<number>`(floor(extract(epoch from ${usage.createdAt}) / ${seconds}) * ${seconds})::float8`,
          ...AGGREGATE,
        })
        .from(usage)
        .where(inWindow(from, to))
        .groupBy(sql`1`)
        .orderBy(sql`1`);
      return rows.map((row) => ({ start: new Date(num(row.startEpoch) * 1000), ...aggregateOf(row) }));
    },
    async totals(from, to) {
      const [row] = await db.select(AGGREGATE).from(usage).where(inWindow(from, to));
      return aggregateOf(row);
    },
    async byAccount(from, to): Promise<UsageAccountAggregate[]> {
      const rows = await db
        .select({
          accountId: usage.accountId,
          requests: AGGREGATE.requests,
          errors: AGGREGATE.errors,
          inputTokens: AGGREGATE.inputTokens,
          outputTokens: AGGREGATE.outputTokens,
          costUsd: AGGREGATE.costUsd,
        })
        .from(usage)
        .where(inWindow(from, to))
        .groupBy(usage.accountId)
        .orderBy(desc(sql`2`));
      return rows.map((row) => ({
        accountId: row.accountId,
        requests: num(row.requests),
        errors: num(row.errors),
        inputTokens: num(row.inputTokens),
        outputTokens: num(row.outputTokens),
        costUsd: num(row.costUsd),
      }));
    },
    async requests(filter) {
      return db
        .select({
          ...getTableColumns(usage),
          apiKeyName: apiKeys.name,
          username: users.username,
          accountName: accounts.name,
        })
        .from(usage)
        .leftJoin(apiKeys, eq(apiKeys.id, usage.apiKeyId))
        .leftJoin(users, eq(users.id, usage.userId))
        .leftJoin(accounts, eq(accounts.id, usage.accountId))
        .where(requestConditions(filter))
        .orderBy(desc(usage.createdAt), desc(usage.requestId))
        .limit(Math.max(0, Math.floor(filter.limit)));
    },
    spendByOwner: (query) => spendByOwner(db, query),
  };
}
