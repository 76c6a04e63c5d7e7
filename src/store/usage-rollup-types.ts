/** The usage roll-ups' side of the store contract (docs/retention.md). */

export type UsageRollupTable = 'usage_hourly' | 'usage_daily';
/** The tables pruning deletes from; usage_daily is kept for good. */
export type PrunableUsageTable = 'usage' | 'usage_hourly';

/** How far roll-up and pruning have got; null: not yet. */
export interface UsageWatermarks {
  /** Every hour before this has its usage_hourly rows (recomputed while its ledger rows exist). */
  rolledThrough: Date | null;
  /** Ledger rows before this are pruned (or about to be): only the roll-ups count them. */
  rawPrunedBefore: Date | null;
  /** usage_hourly rows before this are pruned (or about to be): only usage_daily counts them. */
  hourlyPrunedBefore: Date | null;
}

export interface UsageTableSize {
  table: PrunableUsageTable | 'usage_daily';
  /** The planner's estimate (pg_class.reltuples): counting a big ledger exactly is a full scan. */
  rowsEstimate: number;
  /** Table, indexes and TOAST on disk (pg_total_relation_size). */
  bytes: number;
}

/** One report bucket summed over roll-ups and the ledger's recent rows. */
export interface UsageRollupBucket {
  start: Date;
  requests: number;
  /** Status 400 or above, except 499 (the client went away). */
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  costUsd: number;
  latencyMsMax: number;
  ttftMsMax: number;
  /** Rows per latency bucket (store/latency-histogram.ts). */
  latencyHistogram: number[];
  ttftHistogram: number[];
}

export interface UsageRollupAccount {
  accountId: string | null;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface UsageRollupFilter {
  apiKeyId?: string;
  userId?: string;
}

export interface UsageRollupRepository {
  watermarks(): Promise<UsageWatermarks>;
  /** The start of the UTC hour of the oldest row of `table` (at or after `from`); null: none. */
  oldestHour(table: PrunableUsageTable, from?: Date): Promise<Date | null>;
  /**
   * Where the ledger's next rows from `from` are: the start of the hour of the first one, and the
   * start of the hour of the one `maxRows` further on (null when fewer follow). A roll-up from
   * `start` to `cut` reads at most about `maxRows` rows. Null when no row follows `from`.
   */
  ledgerChunk(from: Date, maxRows: number): Promise<{ start: Date; cut: Date | null } | null>;
  /**
   * In one transaction: recomputes usage_hourly for the hours of [from, to) whose ledger rows are
   * still kept, then usage_daily for the days [from, to) touches whose hourly rows are still kept,
   * then raises the given watermarks (never lowers one). Idempotent. Returns rows written.
   */
  rollUp(
    from: Date,
    to: Date,
    raise?: Partial<Record<keyof UsageWatermarks, Date>>,
  ): Promise<{ hourly: number; daily: number }>;
  /** Deletes at most `limit` rows of `table` below its prune watermark; returns how many. */
  pruneBatch(table: PrunableUsageTable, limit: number): Promise<number>;
  /** Makes deleted rows' space reusable now (PGlite has no autovacuum). */
  vacuum(tables: readonly PrunableUsageTable[]): Promise<void>;
  sizes(): Promise<UsageTableSize[]>;
  /**
   * Runs `body` while this process holds the roll-up lock (on PostgreSQL an advisory lock, kept at
   * least `holdMs`, so of several gateways one runs); `ran: false` when another holds it.
   */
  exclusive<T>(holdMs: number, body: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  /** Report buckets of `bucketSeconds` over [from, to) from the roll-ups and the ledger's recent rows. */
  buckets(
    from: Date,
    to: Date,
    bucketSeconds: number,
    filter?: UsageRollupFilter,
  ): Promise<UsageRollupBucket[]>;
  /** Use per account over [from, to), busiest first, from the same sources. */
  byAccount(from: Date, to: Date, filter?: UsageRollupFilter): Promise<UsageRollupAccount[]>;
}
