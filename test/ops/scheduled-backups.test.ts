import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreBackup } from '../../src/backup/restore.js';
import { BackupSchedule } from '../../src/backup/schedule.js';
import { SecretBox } from '../../src/identity/secret-box.js';
import { createLogger } from '../../src/observability/logger.js';
import { fillStore } from './fill.js';
import { digestsOf, freshStore, scratchDir, type TestStore } from './support.js';

describe('scheduled backups', () => {
  let source: TestStore;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;

  beforeAll(async () => {
    scratch = await scratchDir();
    source = await freshStore('pglite');
    await fillStore(source.store, new SecretBox(randomBytes(32)), 20);
  });
  afterAll(async () => {
    await source?.close();
    await scratch?.remove();
  });

  it('keeps exactly BACKUP_KEEP archives, the newest, and leaves other files alone', async () => {
    const dir = path.join(scratch.dir, 'backups');
    const registry = new Registry();
    const schedule = new BackupSchedule(
      { cron: '0 3 * * *', keep: 3, dir, passphrase: 'a passphrase for tests' },
      source.store,
      createLogger({ level: 'silent' }),
      { distributed: false, registry },
    );
    const days = [1, 2, 3, 4, 5].map((d) => new Date(Date.UTC(2026, 0, d, 3, 0, 0)));
    for (const day of days.slice(0, 1)) await schedule.runOnce(day);
    await writeFile(path.join(dir, 'notes.txt'), 'not a backup');
    for (const day of days.slice(1)) await schedule.runOnce(day);
    expect((await readdir(dir)).sort()).toEqual([
      'notes.txt',
      'switchyard-20260103T030000Z.sybak',
      'switchyard-20260104T030000Z.sybak',
      'switchyard-20260105T030000Z.sybak',
    ]);
    expect(await registry.metrics()).toMatch(/switchyard_backups_total\{result="written"\} 5/);
    const target = await freshStore('pglite', false);
    try {
      await restoreBackup(target.store, path.join(dir, 'switchyard-20260105T030000Z.sybak'), {
        passphrase: 'a passphrase for tests',
      });
      expect(await digestsOf(target.store)).toEqual(await digestsOf(source.store));
    } finally {
      await target.close();
    }
    await schedule.stop();
  });
});
