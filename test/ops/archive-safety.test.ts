import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError } from '../../src/backup/archive-reader.js';
import { createBackup } from '../../src/backup/backup.js';
import { ArchiveKeyError } from '../../src/backup/encryption.js';
import { restoreBackup, RestoreRefusedError } from '../../src/backup/restore.js';
import { SecretBox } from '../../src/identity/secret-box.js';
import { fillStore, type Filled } from './fill.js';
import { digestsOf, freshStore, scratchDir, type TestStore } from './support.js';

const PASSPHRASE = 'correct horse battery staple';

describe('backup archives', () => {
  let source: TestStore;
  let filled: Filled;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let plain: string;
  let encrypted: string;

  beforeAll(async () => {
    scratch = await scratchDir();
    source = await freshStore('pglite');
    filled = await fillStore(source.store, new SecretBox(randomBytes(32)), 200);
    plain = path.join(scratch.dir, 'plain.sybak');
    encrypted = path.join(scratch.dir, 'encrypted.sybak');
    await createBackup(source.store, plain);
    await createBackup(source.store, encrypted, { passphrase: PASSPHRASE });
  });
  afterAll(async () => {
    await source?.close();
    await scratch?.remove();
  });

  async function expectRefusedAndUntouched(file: string, error: unknown, passphrase?: string) {
    const target = await freshStore('pglite', false);
    try {
      await expect(
        restoreBackup(target.store, file, passphrase ? { passphrase } : {}),
      ).rejects.toBeInstanceOf(error);
      expect(await digestsOf(target.store)).toEqual([]);
    } finally {
      await target.close();
    }
  }

  it('keeps secrets and row content out of the manifest', async () => {
    const [manifest] = gunzipSync(await readFile(plain))
      .toString('utf8')
      .split('\n');
    expect(manifest).toContain('"format":"switchyard-backup"');
    expect(manifest).not.toContain(filled.apiKeySecret);
    expect(manifest).not.toContain('admin');
  });

  it('refuses an archive whose rows were changed, and changes nothing', async () => {
    const text = gunzipSync(await readFile(plain)).toString('utf8');
    const tampered = path.join(scratch.dir, 'tampered-rows.sybak');
    await writeFile(tampered, gzipSync(text.replace('"role": "admin"', '"role": "viewer"')));
    expect(text).toContain('"role": "admin"');
    await expectRefusedAndUntouched(tampered, ArchiveError);
  });

  it('refuses an archive whose manifest was changed', async () => {
    const text = gunzipSync(await readFile(plain)).toString('utf8');
    const tampered = path.join(scratch.dir, 'tampered-manifest.sybak');
    await writeFile(
      tampered,
      gzipSync(text.replace('"source":{"kind":"pglite"}', '"source":{"kind":"postgres"}')),
    );
    await expectRefusedAndUntouched(tampered, ArchiveError);
  });

  it('never holds plaintext when encrypted, and needs the passphrase', async () => {
    const bytes = await readFile(encrypted);
    expect(bytes.subarray(0, 8).toString()).toBe('SWYDBAK1');
    expect(bytes.includes(Buffer.from('switchyard-backup'))).toBe(false);
    await expectRefusedAndUntouched(encrypted, ArchiveKeyError);
    await expectRefusedAndUntouched(encrypted, ArchiveKeyError, 'not the passphrase at all');
    const target = await freshStore('pglite', false);
    try {
      await restoreBackup(target.store, encrypted, { passphrase: PASSPHRASE });
      expect(await digestsOf(target.store)).toEqual(await digestsOf(source.store));
    } finally {
      await target.close();
    }
  });

  it('refuses an encrypted archive with one byte flipped (authenticated), and changes nothing', async () => {
    const bytes = Buffer.from(await readFile(encrypted));
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] as number) ^ 0x01;
    const flipped = path.join(scratch.dir, 'flipped.sybak');
    await writeFile(flipped, bytes);
    const target = await freshStore('pglite', false);
    try {
      await expect(restoreBackup(target.store, flipped, { passphrase: PASSPHRASE })).rejects.toThrow();
      expect(await digestsOf(target.store)).toEqual([]);
    } finally {
      await target.close();
    }
  });

  it('refuses a non-empty target unless forced, then replaces it', async () => {
    const target = await freshStore('postgres');
    try {
      await fillStore(target.store, new SecretBox(randomBytes(32)), 3);
      await expect(restoreBackup(target.store, plain)).rejects.toBeInstanceOf(RestoreRefusedError);
      await restoreBackup(target.store, plain, { force: true });
      expect(await digestsOf(target.store)).toEqual(await digestsOf(source.store));
      expect(await target.store.audit.list()).toHaveLength(1);
    } finally {
      await target.close();
    }
  });
});
