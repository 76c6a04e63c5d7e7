/** A fresh store of either kind for tests: in-memory PGlite, or a throwaway PostgreSQL database. */
import { openStore, type Store } from '../../src/store/index.js';
import { createTestDatabase } from './postgres.js';

export type StoreKind = 'pglite' | 'postgres';

export interface TestStore {
  store: Store;
  close(): Promise<void>;
}

/** `migrate: false` leaves it empty, as a restore target. */
export async function freshStore(kind: StoreKind, migrate = true): Promise<TestStore> {
  if (kind === 'pglite') {
    const store = await openStore({ kind: 'pglite', dir: 'memory://' }, { migrate });
    return { store, close: () => store.close() };
  }
  const database = await createTestDatabase();
  const store = await openStore({ kind: 'postgres', url: database.url }, { migrate });
  return {
    store,
    async close() {
      await store.close();
      await database.drop();
    },
  };
}
