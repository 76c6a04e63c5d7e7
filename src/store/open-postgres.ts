import { sql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { createStore } from './create-store.js';
import { migrationsFolder } from './migrations-folder.js';
import { postgresBulkCopy } from './postgres-bulk-copy.js';
import { ReplicaRouter } from './read-replica.js';
import * as schema from './schema.js';
import type { Store } from './types.js';

// Any fixed number works as long as nothing else in the database takes the same advisory lock.
const MIGRATION_LOCK_KEY = 0x5357_5944; // "SWYD"

/** Two servers starting at once would both try to migrate; the advisory lock lines them up. */
async function migrateLocked(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    const db = drizzlePostgres({ client, schema });
    await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    await migratePostgres(db, { migrationsFolder: migrationsFolder() });
    await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    // On failure the connection is destroyed rather than reused, which also frees the lock.
    client.release(failure);
  }
}

function openPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool({ idleTimeoutMillis: 30_000, ...config });
  // An idle client losing its connection (server restart, failover) must not crash the process:
  // the pool discards that client and the next query connects afresh.
  pool.on('error', () => {});
  return pool;
}

/** `replicaUrl`: report reads go there (read-replica.ts); it connects on first use. */
export async function openPostgres(url: string, migrate: boolean, replicaUrl?: string): Promise<Store> {
  const pool = openPool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  const replicaPool =
    replicaUrl === undefined
      ? undefined
      : openPool({
          connectionString: replicaUrl,
          max: 5,
          // A replica slow to accept is skipped (the primary answers), so do not wait long for it.
          connectionTimeoutMillis: 2_000,
          // Even a URL that points at a writable server by mistake never gets a write from here.
          options: '-c default_transaction_read_only=on',
        });
  const end = async () => {
    await Promise.all([pool.end(), replicaPool?.end()]);
  };
  try {
    if (migrate) await migrateLocked(pool);
    const replica = replicaPool && new ReplicaRouter(drizzlePostgres({ client: replicaPool, schema }));
    return createStore(
      'postgres',
      drizzlePostgres({ client: pool, schema }),
      end,
      replica,
      postgresBulkCopy(pool),
    );
  } catch (error) {
    await end().catch(() => {});
    throw error;
  }
}
