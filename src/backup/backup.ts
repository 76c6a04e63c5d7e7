import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { holdLock, tryTransactionLock } from '../store/advisory-lock.js';
import type { Store } from '../store/types.js';
import { encryptingStream } from './encryption.js';
import { ARCHIVE_FORMAT, ARCHIVE_VERSION, manifestChecksum, type Manifest } from './manifest.js';
import { migrationLevel } from './migrations.js';
import { inTransaction } from './sql.js';
import { canonicalRows, DigestBuilder, listTables, useUtc, type TableDigest } from './tables.js';

export interface BackupOptions {
  /** Set: the archive is encrypted with it (scrypt + AES-256-GCM). */
  passphrase?: string;
  /**
   * Distributed gateways all run the schedule: on PostgreSQL, only the one that takes this
   * advisory lock backs up; it holds the lock at least `holdMs` so that gateways whose clocks
   * differ by a few seconds find it taken rather than free again.
   */
  lock?: { key: number; holdMs: number };
}

export interface BackupResult {
  file: string;
  bytes: number;
  rows: number;
  tables: TableDigest[];
  ms: number;
}

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/**
 * Writes a consistent archive of every table: one read-only REPEATABLE READ transaction (one
 * snapshot), rows streamed through gzip to a temp file, then the manifest (which needs the counts
 * and hashes) as a first gzip member followed by the rows' member, encrypted if asked, renamed
 * into place. Returns undefined when another gateway holds the backup lock.
 */
export async function createBackup(
  store: Store,
  file: string,
  options: BackupOptions = {},
): Promise<BackupResult | undefined> {
  const started = performance.now();
  await mkdir(dirname(file), { recursive: true });
  const stem = `${file}.${randomBytes(6).toString('hex')}`;
  const bodyFile = `${stem}.rows.tmp`;
  const tmp = `${stem}.tmp`;
  try {
    const manifest = await inTransaction(store, { readOnly: true, snapshot: true }, async (q) => {
      const lockedAt = performance.now();
      if (options.lock && store.kind === 'postgres') {
        if (!(await tryTransactionLock((query) => q.query(query), options.lock.key))) return undefined;
      }
      await useUtc(q);
      const migration = await migrationLevel(q);
      const digests: TableDigest[] = [];
      const gzip = createGzip();
      const written = pipeline(gzip, createWriteStream(bodyFile, { mode: 0o600 }));
      for (const table of await listTables(q)) {
        await write(gzip, `#table ${table.name}\n`);
        const builder = new DigestBuilder(table.name);
        for await (const batch of canonicalRows(q, table)) {
          for (const line of batch) builder.add(line);
          await write(gzip, batch.join('\n') + '\n');
        }
        digests.push(builder.digest());
      }
      gzip.end();
      await written;
      if (options.lock) await holdLock(lockedAt, options.lock.holdMs);
      const body = {
        format: ARCHIVE_FORMAT,
        version: ARCHIVE_VERSION,
        createdAt: new Date().toISOString(),
        source: { kind: store.kind },
        migration: { level: migration.level, tag: migration.tag ?? null, when: migration.when ?? null },
        tables: digests,
      } satisfies Omit<Manifest, 'checksum'>;
      return { ...body, checksum: manifestChecksum(body) } satisfies Manifest;
    });
    if (!manifest) return undefined;
    const head = gzipSync(JSON.stringify(manifest) + '\n');
    async function* archive() {
      yield head;
      yield* createReadStream(bodyFile);
    }
    const output = createWriteStream(tmp, { mode: 0o600, flags: 'wx' });
    if (options.passphrase !== undefined) {
      await pipeline(Readable.from(archive()), await encryptingStream(options.passphrase), output);
    } else await pipeline(Readable.from(archive()), output);
    await rename(tmp, file);
    const tables = manifest.tables;
    return {
      file,
      bytes: (await stat(file)).size,
      rows: tables.reduce((sum, t) => sum + t.rows, 0),
      tables,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await rm(bodyFile, { force: true });
    await rm(tmp, { force: true });
  }
}
