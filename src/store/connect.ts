import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import type { StoreDatabase } from './database.js';
import { registerInternalDatabase } from './internal.js';
import { migrationsFolder } from './migrations-folder.js';
import { lockDataDir } from './pglite-lock.js';
import { accountRepository } from './repositories/accounts.js';
import { apiKeyRepository } from './repositories/api-keys.js';
import { auditRepository } from './repositories/audit.js';
import { usageRepository } from './repositories/usage.js';
import { userRepository } from './repositories/users.js';
import * as schema from './schema.js';
import type { Store } from './types.js';

export type StoreDatabaseConfig = { kind: 'pglite'; dir: string } | { kind: 'postgres'; url: string };

export interface OpenStoreOptions {
  /** Apply pending migrations before returning. Default true. */
  migrate?: boolean;
}

/**
 * The embedded database serves one gateway on one machine: PostgreSQL's default 128 MB of shared
 * buffers, held in WebAssembly memory that never shrinks, was a third of the process's memory.
 */
const PGLITE_CONF = ['shared_buffers = 16MB'];

// Any fixed number works as long as nothing else in the database takes the same advisory lock.
const MIGRATION_LOCK_KEY = 0x5357_5944; // "SWYD"

function createStore(kind: Store['kind'], db: StoreDatabase, shutdown: () => Promise<void>): Store {
  let closing: Promise<void> | undefined;
  const store: Store = {
    kind,
    accounts: accountRepository(db),
    users: userRepository(db),
    apiKeys: apiKeyRepository(db),
    usage: usageRepository(db),
    audit: auditRepository(db),
    async ping() {
      await db.execute(sql`select 1`);
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
  registerInternalDatabase(store, db);
  return store;
}

async function openPglite(dir: string, migrate: boolean): Promise<Store> {
  const inMemory = dir.startsWith('memory://');
  const dataDir = inMemory ? dir : resolve(dir);
  let unlock = async (): Promise<void> => {};
  if (!inMemory) {
    await mkdir(dataDir, { recursive: true });
    unlock = await lockDataDir(dir, `${dataDir}.lock`);
  }
  let client: PGlite | undefined;
  try {
    client = await PGlite.create(dataDir, { postgresqlconf: PGLITE_CONF });
    const db = drizzlePglite({ client, schema });
    if (migrate) await migratePglite(db, { migrationsFolder: migrationsFolder() });
    const opened = client;
    return createStore('pglite', db, async () => {
      try {
        await opened.close();
      } finally {
        await unlock();
      }
    });
  } catch (error) {
    await client?.close().catch(() => {});
    await unlock();
    throw error;
  }
}

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

async function openPostgres(url: string, migrate: boolean): Promise<Store> {
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

/** Opens the configured database, applying pending migrations unless told not to. */
export async function openStore(
  database: StoreDatabaseConfig,
  options: OpenStoreOptions = {},
): Promise<Store> {
  const migrate = options.migrate ?? true;
  return database.kind === 'pglite' ? openPglite(database.dir, migrate) : openPostgres(database.url, migrate);
}

/** Applies pending migrations and closes again; safe to run while other processes do the same. */
export async function migrateStore(database: StoreDatabaseConfig): Promise<void> {
  const store = await openStore(database, { migrate: true });
  await store.close();
}
