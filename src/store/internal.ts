/**
 * A side door to the Drizzle database behind a Store, for tests and one-off maintenance only.
 * Application code goes through the repositories; nothing outside src/store and test/ imports this.
 */
import type { StoreDatabase } from './database.js';
import type { Store } from './types.js';

const databases = new WeakMap<Store, StoreDatabase>();

export function registerInternalDatabase(store: Store, db: StoreDatabase): void {
  databases.set(store, db);
}

export function internalDatabaseOf(store: Store): StoreDatabase {
  const db = databases.get(store);
  if (db === undefined) throw new Error('this store was not made by openStore');
  return db;
}
