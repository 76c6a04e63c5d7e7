import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { inTransaction } from '../../src/backup/sql.js';
import { listTables, tableDigest, useUtc, type TableDigest } from '../../src/backup/tables.js';
import { internalDatabaseOf } from '../../src/store/internal.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createTestDatabase } from '../support/postgres.js';

export type Kind = 'pglite' | 'postgres';

export interface TestStore {
  store: Store;
  close(): Promise<void>;
}

/** A fresh database of either kind; `migrate: false` leaves it empty, as a restore target. */
export async function freshStore(kind: Kind, migrate = true): Promise<TestStore> {
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

export async function digestsOf(store: Store): Promise<TableDigest[]> {
  return inTransaction(store, { readOnly: true, snapshot: true }, async (q) => {
    await useUtc(q);
    const digests: TableDigest[] = [];
    for (const table of await listTables(q)) digests.push(await tableDigest(q, table));
    return digests.sort((a, b) => a.name.localeCompare(b.name));
  });
}

export async function tryDeleteAudit(store: Store): Promise<unknown> {
  try {
    await internalDatabaseOf(store).execute(sql`delete from audit_log`);
    return undefined;
  } catch (error) {
    // drizzle wraps the database's error; its message is in the cause.
    return error instanceof Error && error.cause instanceof Error ? error.cause : error;
  }
}

export async function scratchDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-ops-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
