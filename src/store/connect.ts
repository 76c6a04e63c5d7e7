import type { Store } from './types.js';

export type StoreDatabaseConfig =
  { kind: 'pglite'; dir: string } | { kind: 'postgres'; url: string; replicaUrl?: string };

export interface OpenStoreOptions {
  /** Apply pending migrations before returning. Default true. */
  migrate?: boolean;
}

/** Opens the configured database, applying pending migrations unless told not to. */
export async function openStore(
  database: StoreDatabaseConfig,
  options: OpenStoreOptions = {},
): Promise<Store> {
  const migrate = options.migrate ?? true;
  // Each driver is loaded only when used: the other one would cost ~8 MB of memory for nothing.
  if (database.kind === 'pglite') {
    const { openPglite } = await import('./open-pglite.js');
    return openPglite(database.dir, migrate);
  }
  const { openPostgres } = await import('./open-postgres.js');
  return openPostgres(database.url, migrate, database.replicaUrl);
}

/** Applies pending migrations and closes again; safe to run while other processes do the same. */
export async function migrateStore(database: StoreDatabaseConfig): Promise<void> {
  const store = await openStore(database, { migrate: true });
  await store.close();
}
