import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { createStore } from './create-store.js';
import { migrationsFolder } from './migrations-folder.js';
import { pgliteBulkCopy } from './pglite-bulk-copy.js';
import { lockDataDir } from './pglite-lock.js';
import * as schema from './schema.js';
import type { Store } from './types.js';

/**
 * The embedded database serves one gateway on one machine: PostgreSQL's default 128 MB of shared
 * buffers, held in WebAssembly memory that never shrinks, was a third of the process's memory.
 */
const PGLITE_CONF = ['shared_buffers = 16MB'];

export async function openPglite(dir: string, migrate: boolean): Promise<Store> {
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
    const close = async () => {
      try {
        await opened.close();
      } finally {
        await unlock();
      }
    };
    return createStore('pglite', db, close, undefined, pgliteBulkCopy(opened));
  } catch (error) {
    await client?.close().catch(() => {});
    await unlock();
    throw error;
  }
}
