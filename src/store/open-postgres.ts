import { sql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { createStore } from './create-store.js';
import { migrationsFolder } from './migrations-folder.js';
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

export async function openPostgres(url: string, migrate: boolean): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (server restart, failover) must not crash the process:
  // the pool discards that client and the next query connects afresh.
  pool.on('error', () => {});
  try {
    if (migrate) await migrateLocked(pool);
    return createStore('postgres', drizzlePostgres({ client: pool, schema }), () => pool.end());
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
}
