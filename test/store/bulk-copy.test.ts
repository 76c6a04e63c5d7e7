import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlStateOf, type BulkCopy } from '../../src/store/bulk-copy.js';
import type { StoreDatabase } from '../../src/store/database.js';
import { openStore, RowsRefusedError } from '../../src/store/index.js';
import { internalDatabaseOf } from '../../src/store/internal.js';
import { migrationsFolder } from '../../src/store/migrations-folder.js';
import { pgliteBulkCopy } from '../../src/store/pglite-bulk-copy.js';
import { postgresBulkCopy } from '../../src/store/postgres-bulk-copy.js';
import { usageRepository } from '../../src/store/repositories/usage.js';
import { UsageLedger } from '../../src/gateway/usage/ledger.js';
import { createLogger } from '../../src/observability/logger.js';
import * as schema from '../../src/store/schema.js';
import { createTestDatabase } from '../support/postgres.js';
import { usageRow } from './contract/harness.js';

const TABLE = 'copy_probe';
const COLUMNS = ['id', 'label', 'flag'] as const;

interface Opened {
  db: StoreDatabase;
  bulk: BulkCopy;
  rows: (sql: string) => Promise<Array<Record<string, unknown>>>;
  connections: () => { total: number; idle: number };
  close: () => Promise<void>;
}

async function openPostgresCase(): Promise<Opened> {
  const database = await createTestDatabase();
  const store = await openStore({ kind: 'postgres', url: database.url });
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  return {
    db: internalDatabaseOf(store),
    bulk: postgresBulkCopy(pool),
    rows: async (sql) => (await pool.query(sql)).rows as Array<Record<string, unknown>>,
    connections: () => ({ total: pool.totalCount, idle: pool.idleCount }),
    close: async () => {
      await pool.end();
      await store.close();
      await database.drop();
    },
  };
}

async function openPgliteCase(): Promise<Opened> {
  const client = new PGlite();
  const db = drizzlePglite({ client, schema });
  await migratePglite(db, { migrationsFolder: migrationsFolder() });
  return {
    db,
    bulk: pgliteBulkCopy(client),
    rows: async (sql) => (await client.query<Record<string, unknown>>(sql)).rows,
    connections: () => ({ total: 1, idle: 1 }),
    close: () => client.close(),
  };
}

/** Counts what the repository asked of COPY, around the real one. */
function counting(bulk: BulkCopy) {
  const calls = { copies: 0, refused: 0 };
  const wrapped: BulkCopy = {
    async copyIn(table, columns, text) {
      calls.copies += 1;
      try {
        return await bulk.copyIn(table, columns, text);
      } catch (error) {
        calls.refused += 1;
        throw error;
      }
    },
  };
  return { calls, wrapped };
}

describe.each([
  { name: 'postgres', open: openPostgresCase },
  { name: 'pglite', open: openPgliteCase },
])('COPY on $name', ({ open }) => {
  let opened: Opened;
  beforeAll(async () => {
    opened = await open();
    await opened.rows(`create table ${TABLE} (id integer primary key, label text, flag boolean)`);
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('adds every line as a row, escapes and \\N included, and says how many', async () => {
    const text = '1\ta\\tb\\\\c\\nd\tt\n2\t\\N\tf\n3\t\\\\N\t\\N\n';
    expect(await opened.bulk.copyIn(TABLE, COLUMNS, text)).toBe(3);
    expect(await opened.rows(`select id, label, flag from ${TABLE} order by id`)).toEqual([
      { id: 1, label: 'a\tb\\c\nd', flag: true },
      { id: 2, label: null, flag: false },
      { id: 3, label: '\\N', flag: null },
    ]);
  });

  it('refuses the whole statement on a duplicate key, with its SQLSTATE, and stays usable', async () => {
    const refused = await opened.bulk
      .copyIn(TABLE, COLUMNS, '4\tnew\tt\n1\tagain\tt\n')
      .catch((error: unknown) => error);
    expect(sqlStateOf(refused)).toBe('23505');
    expect(await opened.rows(`select id from ${TABLE} where id = 4`)).toEqual([]);
    expect(await opened.bulk.copyIn(TABLE, COLUMNS, '4\tnew\tt\n')).toBe(1);
    // The refused statement did not cost the pool its connection.
    expect(opened.connections().idle).toBe(opened.connections().total);
  });

  it('writes fresh ledger batches by COPY, and batches with a recorded request id by the insert that skips it', async () => {
    const { calls, wrapped } = counting(opened.bulk);
    const usage = usageRepository(opened.db, wrapped);
    const fresh = Array.from({ length: 5 }, () => usageRow({ model: 'tab\there' }));
    expect(await usage.insertMany(fresh)).toBe(5);
    expect(calls).toEqual({ copies: 1, refused: 0 });
    const next = usageRow();
    expect(await usage.insertMany([fresh[0]!, next])).toBe(1);
    expect(calls).toEqual({ copies: 2, refused: 1 });
    expect(await usage.count()).toBe(6);
    expect((await usage.list({ requestId: fresh[1]!.requestId }))[0]?.model).toBe('tab\there');
  });

  it('says when the database refuses a row itself, so the ledger can set it aside', async () => {
    const usage = usageRepository(opened.db, opened.bulk);
    const before = await usage.count();
    const refused = await usage
      .insertMany([usageRow(), usageRow({ apiKeyId: 'not-a-uuid' })])
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RowsRefusedError);
    expect(await usage.count()).toBe(before);
  });

  it('writes every other row of a batch holding one the database refuses', async () => {
    const usage = usageRepository(opened.db, opened.bulk);
    const quiet = createLogger({ level: 'silent', destination: { write: () => true } });
    const ledger = new UsageLedger(usage, quiet, { flushIntervalMs: 60_000, batchSize: 500 });
    const rows = Array.from({ length: 40 }, (_, i) => usageRow(i === 17 ? { apiKeyId: 'not-a-uuid' } : {}));
    for (const r of rows) ledger.record(r);
    await ledger.stop();
    expect(ledger.stats).toMatchObject({ pending: 0, written: 39, dropped: 1 });
    for (const [i, r] of rows.entries()) {
      expect(await usage.list({ requestId: r.requestId })).toHaveLength(i === 17 ? 0 : 1);
    }
  });

  it('leaves a lost connection to the ledger to retry instead of inserting', async () => {
    const lost = new Error('Connection terminated unexpectedly');
    const usage = usageRepository(opened.db, {
      copyIn: () => Promise.reject(lost),
    });
    const before = await usage.count();
    await expect(usage.insertMany([usageRow()])).rejects.toBe(lost);
    expect(await usage.count()).toBe(before);
  });
});
