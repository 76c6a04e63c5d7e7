/**
 * Read-only reports on a PostgreSQL replica (DATABASE_REPLICA_URL): the admin dashboard's
 * aggregates, the request log and the audit log list. Everything that must be fresh (API keys,
 * sessions, accounts, budgets' spend, every write) stays on the primary.
 *
 * A replica that fails a read is skipped for a few seconds: the read is answered by the primary,
 * so a dead replica degrades reports to the primary's load instead of breaking them. Replication
 * lag shows as reports a little behind (the ledger is written in batches anyway).
 */
import { sql } from 'drizzle-orm';
import type { StoreDatabase } from './database.js';

/** How long a replica that failed a read is left alone before it is tried again. */
const SKIP_AFTER_FAILURE_MS = 5_000;

export interface StoreReplica {
  /** Throws when the replica does not answer. */
  ping(): Promise<void>;
  /** Reads the replica failed and the primary answered instead, since start. */
  readonly fallbacks: number;
  /** Reads the replica answered, since start. */
  readonly reads: number;
}

export class ReplicaRouter implements StoreReplica {
  fallbacks = 0;
  reads = 0;
  private skipUntil = 0;

  constructor(
    /** The replica's database: repositories built on it serve the routed reads. */
    readonly db: StoreDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  async ping(): Promise<void> {
    await this.db.execute(sql`select 1`);
  }

  /**
   * `primary` with the named methods answered by `replica` (the same repository built on the
   * replica's database), falling back to the primary when the replica fails or was failing.
   */
  route<T extends object, K extends keyof T>(primary: T, replica: T, methods: readonly K[]): T {
    const routed = { ...primary };
    for (const name of methods) {
      const onPrimary = primary[name];
      const onReplica = replica[name];
      if (typeof onPrimary !== 'function' || typeof onReplica !== 'function') continue;
      const call = async (...args: unknown[]): Promise<unknown> => {
        if (this.now() >= this.skipUntil) {
          try {
            const result: unknown = await onReplica.apply(replica, args);
            this.reads++;
            return result;
          } catch {
            this.skipUntil = this.now() + SKIP_AFTER_FAILURE_MS;
          }
        }
        this.fallbacks++;
        return onPrimary.apply(primary, args) as unknown;
      };
      routed[name] = call as T[K];
    }
    return routed;
  }
}
