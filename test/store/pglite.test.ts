import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateStore, openStore, StoreLockedError } from '../../src/store/index.js';
import { migrationsFolder } from '../../src/store/migrations-folder.js';
import { newAccount } from './contract/harness.js';
import { describeStoreContract } from './store-contract.js';

const root = await mkdtemp(join(tmpdir(), 'switchyard-pglite-'));
let dirs = 0;
const freshDir = () => join(root, `db-${++dirs}`);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describeStoreContract('pglite', async () => {
  const store = await openStore({ kind: 'pglite', dir: freshDir() });
  return { store, cleanup: () => store.close() };
});

describe('pglite data directory', () => {
  it('keeps data across reopening and removes its lockfile on close', async () => {
    const dir = freshDir();
    const first = await openStore({ kind: 'pglite', dir });
    expect(first.kind).toBe('pglite');
    expect((await readFile(`${dir}.lock`, 'utf8')).trim()).toBe(String(process.pid));
    const account = await first.accounts.insert(newAccount());
    await first.close();
    await first.close();
    expect(existsSync(`${dir}.lock`)).toBe(false);

    const second = await openStore({ kind: 'pglite', dir }, { migrate: false });
    expect(await second.accounts.get(account.id)).toEqual(account);
    await second.close();
  });

  it('refuses a second opener while the first holds the directory', async () => {
    const dir = freshDir();
    const holder = await openStore({ kind: 'pglite', dir });
    const error = await openStore({ kind: 'pglite', dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(error).toMatchObject({ dir, pid: process.pid });
    await expect(migrateStore({ kind: 'pglite', dir })).rejects.toBeInstanceOf(StoreLockedError);
    await holder.ping();
    await holder.close();

    const again = await openStore({ kind: 'pglite', dir });
    await again.ping();
    await again.close();
  });

  it('takes over a lockfile left by a process that is gone', async () => {
    const dir = freshDir();
    await migrateStore({ kind: 'pglite', dir });
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    expect(deadPid).toBeGreaterThan(0);
    await writeFile(`${dir}.lock`, `${deadPid}\n`);

    const store = await openStore({ kind: 'pglite', dir });
    expect((await readFile(`${dir}.lock`, 'utf8')).trim()).toBe(String(process.pid));
    await store.close();
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('takes over an empty lockfile', async () => {
    const dir = freshDir();
    await writeFile(`${dir}.lock`, '');
    const store = await openStore({ kind: 'pglite', dir });
    await store.close();
  });

  it('runs in memory without a lockfile', async () => {
    const store = await openStore({ kind: 'pglite', dir: 'memory://' });
    expect(await store.accounts.count()).toBe(0);
    await store.close();
  });

  it('finds the migrations from the package root', () => {
    expect(migrationsFolder()).toMatch(/src[\\/]store[\\/]migrations$/);
    expect(existsSync(join(migrationsFolder(), 'meta', '_journal.json'))).toBe(true);
  });
});
