import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { inTransaction } from '../../src/backup/sql.js';
import { listTables, tableDigest, useUtc, type TableDigest } from '../../src/backup/tables.js';
import { internalDatabaseOf } from '../../src/store/internal.js';
import type { Store } from '../../src/store/index.js';

export type { StoreKind as Kind, TestStore } from '../support/store.js';
export { freshStore } from '../support/store.js';

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
