import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateStore, openStore } from '../../src/store/index.js';
import { migrationsFolder } from '../../src/store/migrations-folder.js';
import { createTestDatabase, TEST_DATABASE_URL } from '../support/postgres.js';
import { describeStoreContract } from './store-contract.js';

const drops: Array<() => Promise<void>> = [];
async function freshDatabase(): Promise<string> {
  const database = await createTestDatabase();
  drops.push(database.drop);
  return database.url;
}

afterAll(async () => {
  await Promise.all(drops.map((drop) => drop()));
});

describeStoreContract('postgres', async () => {
  const database = await createTestDatabase();
  const store = await openStore({ kind: 'postgres', url: database.url });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
});

describe('postgres', () => {
  it('lets two processes migrate one fresh database at the same time', async () => {
    const url = await freshDatabase();
    await Promise.all([migrateStore({ kind: 'postgres', url }), migrateStore({ kind: 'postgres', url })]);
    await migrateStore({ kind: 'postgres', url });
    const store = await openStore({ kind: 'postgres', url }, { migrate: false });
    expect(store.kind).toBe('postgres');
    expect(await store.accounts.count()).toBe(0);
    await store.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const applied = await client.query('select count(*)::int as n from drizzle.__drizzle_migrations');
      const journal = JSON.parse(
        await readFile(join(migrationsFolder(), 'meta', '_journal.json'), 'utf8'),
      ) as { entries: unknown[] };
      expect(applied.rows).toEqual([{ n: journal.entries.length }]);
    } finally {
      await client.end();
    }
  });

  it('survives the server dropping its idle connections', async () => {
    const url = await freshDatabase();
    const store = await openStore({ kind: 'postgres', url });
    await store.ping();
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      const killed = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1',
        [new URL(url).pathname.slice(1)],
      );
      expect(killed.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    await store.ping();
    await store.close();
  });

  it('fails to open when the server cannot be reached', async () => {
    await expect(
      openStore({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/none' }),
    ).rejects.toThrow();
  });
});
