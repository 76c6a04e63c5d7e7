import type { Logger } from '../../observability/logger.js';
import { RowsRefusedError, type UsageRecord, type UsageRepository } from '../../store/types.js';

export interface LedgerOptions {
  flushIntervalMs: number;
  batchSize: number;
  /** Rows kept while the database is unreachable before the oldest are dropped. */
  maxPending?: number;
}

export interface LedgerStats {
  pending: number;
  written: number;
  dropped: number;
  failures: number;
}

/**
 * The usage ledger's write side: rows are buffered and written in batches off the request path.
 * Writes are idempotent by request id, so a batch retried after an unclear failure cannot count
 * a request twice.
 */
export class UsageLedger {
  private buffer: UsageRecord[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  readonly stats: LedgerStats = { pending: 0, written: 0, dropped: 0, failures: 0 };
  private readonly maxPending: number;

  constructor(
    private readonly repository: UsageRepository,
    private readonly logger: Logger,
    private readonly options: LedgerOptions,
  ) {
    this.maxPending = options.maxPending ?? 100_000;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  record(row: UsageRecord): void {
    this.buffer.push(row);
    if (this.buffer.length > this.maxPending) {
      const excess = this.buffer.length - this.maxPending;
      this.buffer.splice(0, excess);
      this.stats.dropped += excess;
      this.logger.error({ dropped: excess }, 'usage ledger buffer full: oldest rows dropped');
    }
    this.stats.pending = this.buffer.length;
    if (this.buffer.length >= this.options.batchSize && !this.flushing) void this.flush();
  }

  /** Writes everything buffered so far; concurrent calls share one write. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops the timer and writes what is left, retrying a few times if the database is away. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (let attempt = 0; attempt < 5 && (this.buffer.length > 0 || this.flushing); attempt++) {
      await this.flush();
      if (this.buffer.length > 0) await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    }
    if (this.buffer.length > 0)
      this.logger.error({ lost: this.buffer.length }, 'usage rows could not be written at shutdown');
  }

  /**
   * Writes a batch; rows the database refuses (a value no column holds) are found by halving and
   * dropped with an error line each, so one bad row cannot hold back every row after it.
   */
  private async writeIsolating(rows: UsageRecord[]): Promise<number> {
    try {
      return await this.repository.insertMany(rows);
    } catch (error) {
      if (!(error instanceof RowsRefusedError)) throw error;
      if (rows.length === 1) {
        this.stats.dropped += 1;
        const cause = error.cause as { code?: unknown } | undefined;
        this.logger.error(
          { requestId: rows[0]?.requestId, code: cause?.code },
          'usage row refused by the database: dropped',
        );
        return 0;
      }
      const half = Math.ceil(rows.length / 2);
      return (await this.writeIsolating(rows.slice(0, half))) + (await this.writeIsolating(rows.slice(half)));
    }
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.options.batchSize);
      try {
        this.stats.written += await this.writeIsolating(batch);
      } catch (error) {
        this.stats.failures += 1;
        this.buffer.unshift(...batch);
        this.logger.error(
          { err: error, pending: this.buffer.length },
          'usage ledger write failed; will retry',
        );
        return;
      } finally {
        this.stats.pending = this.buffer.length;
      }
    }
  }
}
