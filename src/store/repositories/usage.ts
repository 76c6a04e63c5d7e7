import { and, count, desc, eq, sql } from 'drizzle-orm';
import { copyField, refusedData, storableText, type BulkCopy } from '../bulk-copy.js';
import type { StoreDatabase } from '../database.js';
import { usage } from '../schema.js';
import { RowsRefusedError, type UsageRecord, type UsageRepository } from '../types.js';
import { isUuid, limitOf, rowsOf } from './shared.js';
import { ownerSpendSince } from './usage-rollup-sql.js';

/** Rows per statement: bounds the size of the one JSON parameter (a row is ~400 bytes). */
const ROWS_PER_INSERT = 2000;

const INT4_MAX = 2_147_483_647;
/** numeric(14, 6) holds less than 10^8. */
const COST_MAX = 99_999_999.999999;

/**
 * A value the integer column holds: usage counts are read as safe integers (up to 2^53), and one
 * row the database refuses would fail its whole batch again on every retry.
 */
function storableInt(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.min(Math.max(Math.round(value), -INT4_MAX - 1), INT4_MAX);
}

function storableCost(value: number): number {
  return Number.isNaN(value) ? 0 : Math.min(Math.max(value, -COST_MAX), COST_MAX);
}

/**
 * The ledger is written in batches of hundreds of rows. Building a 16-parameter-per-row insert
 * costs ~100 µs of gateway CPU per row in the query builder and driver; one JSON parameter
 * expanded by json_populate_recordset costs ~2 µs (JSON.stringify), and the database does the rest.
 * COPY (bulk-copy.ts) halves the database's part again; this insert is what a refused COPY falls
 * back to, because it skips request ids already recorded.
 */
function toJsonRow(row: UsageRecord) {
  return {
    request_id: storableText(row.requestId),
    api_key_id: row.apiKeyId,
    user_id: row.userId,
    account_id: row.accountId,
    model: storableText(row.model),
    requested_model: row.requestedModel === null ? null : storableText(row.requestedModel),
    stream: row.stream,
    input_tokens: storableInt(row.inputTokens),
    output_tokens: storableInt(row.outputTokens),
    cache_creation_input_tokens: storableInt(row.cacheCreationInputTokens),
    cache_read_input_tokens: storableInt(row.cacheReadInputTokens),
    status: storableInt(row.status),
    error_type: row.errorType === null ? null : storableText(row.errorType),
    latency_ms: storableInt(row.latencyMs),
    ttft_ms: row.ttftMs === null ? null : storableInt(row.ttftMs),
    cost_usd: storableCost(row.costUsd),
    created_at: row.createdAt.toISOString(),
  };
}

const COLUMN_NAMES = [
  'request_id',
  'api_key_id',
  'user_id',
  'account_id',
  'model',
  'requested_model',
  'stream',
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
  'status',
  'error_type',
  'latency_ms',
  'ttft_ms',
  'cost_usd',
  'created_at',
];
const COLUMNS = sql.raw(COLUMN_NAMES.join(', '));
const COLUMNS_OF_R = sql.raw(COLUMN_NAMES.map((name) => `r.${name}`).join(', '));

/** One line of COPY text, fields in COLUMN_NAMES order. */
function toCopyLine(row: UsageRecord): string {
  const ttft = row.ttftMs === null ? '\\N' : storableInt(row.ttftMs);
  return `${copyField(row.requestId)}\t${copyField(row.apiKeyId)}\t${copyField(row.userId)}\t${copyField(row.accountId)}\t${copyField(row.model)}\t${copyField(row.requestedModel)}\t${row.stream ? 't' : 'f'}\t${storableInt(row.inputTokens)}\t${storableInt(row.outputTokens)}\t${storableInt(row.cacheCreationInputTokens)}\t${storableInt(row.cacheReadInputTokens)}\t${storableInt(row.status)}\t${copyField(row.errorType)}\t${storableInt(row.latencyMs)}\t${ttft}\t${storableCost(row.costUsd)}\t${row.createdAt.toISOString()}\n`;
}

function affectedRows(result: unknown): number {
  const { rowCount, affectedRows } = result as { rowCount?: number | null; affectedRows?: number };
  return rowCount ?? affectedRows ?? 0;
}

/** `bulk`: COPY on the same database, tried first for each batch (absent: inserts only). */
export function usageRepository(db: StoreDatabase, bulk?: BulkCopy): UsageRepository {
  const insert = async (rows: readonly UsageRecord[]) => {
    const json = JSON.stringify(rows.map(toJsonRow));
    try {
      // The same request may be flushed twice (retry after an unclear failure); the first record wins.
      const result = await db.execute(sql`
        insert into usage (${COLUMNS})
        select distinct on (r.request_id) ${COLUMNS_OF_R}
        from json_populate_recordset(null::usage, ${json}::json) with ordinality as r
        order by r.request_id, r.ordinality
        on conflict (request_id) do nothing`);
      return affectedRows(result);
    } catch (error) {
      // Drizzle wraps the driver's error; the refusal's SQLSTATE is on the cause.
      const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
      if (refusedData(cause)) throw new RowsRefusedError('The database refused a usage row.', { cause });
      throw error;
    }
  };
  const copyOrInsert = async (rows: readonly UsageRecord[]) => {
    if (bulk === undefined) return insert(rows);
    let text = '';
    for (const row of rows) text += toCopyLine(row);
    try {
      return await bulk.copyIn('usage', COLUMN_NAMES, text);
    } catch (error) {
      // Refused (a request id already recorded, a value out of range): the insert skips what is
      // there and says what is wrong; a lost connection or a stopping server is the ledger's to retry.
      if (!refusedData(error)) throw error;
      return insert(rows);
    }
  };
  return {
    async insertMany(rows) {
      let inserted = 0;
      for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
        inserted += await copyOrInsert(rows.slice(start, start + ROWS_PER_INSERT));
      }
      return inserted;
    },
    async list(filter = {}) {
      const { requestId, apiKeyId } = filter;
      if (apiKeyId !== undefined && !isUuid(apiKeyId)) return [];
      return db
        .select()
        .from(usage)
        .where(
          and(
            requestId === undefined ? undefined : eq(usage.requestId, requestId),
            apiKeyId === undefined ? undefined : eq(usage.apiKeyId, apiKeyId),
          ),
        )
        .orderBy(desc(usage.createdAt), desc(usage.requestId))
        .limit(limitOf(filter.limit));
    },
    async spendSince(owner, since) {
      const id = 'apiKeyId' in owner ? owner.apiKeyId : owner.userId;
      if (!isUuid(id)) return { usd: 0, tokens: 0 };
      const [row] = rowsOf(
        await db.execute(ownerSpendSince('apiKeyId' in owner ? 'api_key_id' : 'user_id', id, since)),
      );
      return { usd: Number(row?.usd ?? 0), tokens: Number(row?.tokens ?? 0) };
    },
    async count() {
      const [row] = await db.select({ n: count() }).from(usage);
      return row?.n ?? 0;
    },
  };
}
