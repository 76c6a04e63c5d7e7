/**
 * Raw SQL for backup, restore and key rotation. These work on every table at once (whatever the
 * schema holds, including tables added later), which the repositories deliberately do not offer,
 * so they use the store's maintenance side door (store/internal.ts) and nothing else does.
 */
import { sql, type SQL } from 'drizzle-orm';
import { internalDatabaseOf } from '../store/internal.js';
import type { Store } from '../store/types.js';

export type Row = Record<string, unknown>;

export interface Sql {
  query<T extends Row = Row>(query: SQL): Promise<T[]>;
}

interface Executor {
  execute(query: SQL): PromiseLike<unknown>;
}

function sqlOver(executor: Executor): Sql {
  return {
    async query<T extends Row>(query: SQL): Promise<T[]> {
      const result = await executor.execute(query);
      // node-postgres and PGlite both answer { rows }.
      return ((result as { rows?: T[] }).rows ?? []) as T[];
    },
  };
}

export interface TransactionOptions {
  readOnly?: boolean;
  /** REPEATABLE READ: every query sees one snapshot (a consistent backup). */
  snapshot?: boolean;
}

/** Runs `body` in one transaction; a throw rolls everything back. */
export async function inTransaction<T>(
  store: Store,
  options: TransactionOptions,
  body: (sql: Sql) => Promise<T>,
): Promise<T> {
  const db = internalDatabaseOf(store);
  const modes = [
    ...(options.snapshot ? ['isolation level repeatable read'] : []),
    ...(options.readOnly ? ['read only'] : []),
  ];
  return db.transaction(async (tx) => {
    const q = sqlOver(tx);
    // Set here rather than through drizzle's transaction config, which the PGlite driver mangles.
    if (modes.length > 0) await q.query(sql.raw(`set transaction ${modes.join(', ')}`));
    return body(q);
  });
}

/** Outside a transaction, for short statements (key rotation's per-row updates). */
export function sqlOf(store: Store): Sql {
  return sqlOver(internalDatabaseOf(store));
}
