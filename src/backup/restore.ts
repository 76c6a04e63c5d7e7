import { sql } from 'drizzle-orm';
import type { Store } from '../store/types.js';
import { ArchiveError, openArchive } from './archive-reader.js';
import type { Manifest } from './manifest.js';
import { knownMigrations, migrateTo, migrationLevel } from './migrations.js';
import { inTransaction, type Sql } from './sql.js';
import {
  DigestBuilder,
  listTables,
  tableDigest,
  tableRef,
  useUtc,
  type TableDigest,
  type TableInfo,
} from './tables.js';

export interface RestoreOptions {
  passphrase?: string;
  /** Replace whatever the target holds; without it a non-empty target is refused. */
  force?: boolean;
}

export interface RestoreResult {
  manifest: Manifest;
  tables: TableDigest[];
  /** The migration level the database was brought to after the rows went in. */
  migratedTo: number;
  ms: number;
}

/** The target is not one a restore may write to (not empty, or made for another release). */
export class RestoreRefusedError extends Error {}

const INSERT_BATCH = 500;

function checkMigrationLevel(manifest: Manifest): void {
  const known = knownMigrations();
  const { level, when } = manifest.migration;
  if (level > known.length) {
    throw new RestoreRefusedError(
      `The backup comes from a newer Switchyard (migration level ${level}, this release knows ${known.length}); upgrade first.`,
    );
  }
  if (level > 0 && known[level - 1]?.when !== when) {
    throw new RestoreRefusedError(
      'The backup was made with a migration history this release does not share.',
    );
  }
}

async function nonEmptyTables(q: Sql, tables: TableInfo[]): Promise<string[]> {
  const names: string[] = [];
  for (const table of tables) {
    const [row] = await q.query<{ has_rows: boolean }>(
      sql.raw(`select exists(select 1 from ${tableRef(table.name)}) as has_rows`),
    );
    if (row?.has_rows) names.push(table.name);
  }
  return names;
}

/**
 * Drops every table (and the audit log's trigger function) so the migrations can rebuild the
 * schema at the archive's level. The append-only triggers on audit_log go with the table and are
 * recreated by migration 0001 in this same transaction before any row is inserted: no committed
 * state ever has an audit_log without them, and the restore's inserts are what they allow.
 */
async function dropEverything(q: Sql, tables: TableInfo[]): Promise<void> {
  if (tables.length > 0) {
    await q.query(sql.raw(`drop table if exists ${tables.map((t) => tableRef(t.name)).join(', ')} cascade`));
  }
  await q.query(sql`drop function if exists "public"."audit_log_reject_change"()`);
  await q.query(sql`drop schema if exists "drizzle" cascade`);
}

async function insertRows(q: Sql, table: TableInfo, rows: string[]): Promise<void> {
  if (rows.length === 0) return;
  const ref = sql.raw(tableRef(table.name));
  await q.query(
    sql`insert into ${ref} select * from jsonb_populate_recordset(null::${ref}, ${`[${rows.join(',')}]`}::jsonb)`,
  );
}

function sameDigest(expected: TableDigest, actual: TableDigest | undefined): boolean {
  return actual !== undefined && actual.rows === expected.rows && actual.sha256 === expected.sha256;
}

/**
 * Restores an archive into the store's database in one transaction: the target is emptied (only
 * with `force`) and migrated to the archive's level, the rows go in parent tables first, every
 * table's count and hash are checked twice (as read from the archive, and as the database now
 * holds them), then the remaining migrations run. Any failure rolls all of it back.
 * The store must be opened without migrating (`openStore(db, { migrate: false })`).
 */
export async function restoreBackup(
  store: Store,
  file: string,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const started = performance.now();
  const { manifest, lines } = await openArchive(file, options.passphrase);
  checkMigrationLevel(manifest);
  const known = knownMigrations();
  const tables = await inTransaction(store, {}, async (q) => {
    await useUtc(q);
    const existing = await listTables(q);
    const filled = await nonEmptyTables(q, existing);
    if (filled.length > 0 && !options.force) {
      throw new RestoreRefusedError(
        `The target database is not empty (${filled.join(', ')}). Restore into an empty database, or pass --force to replace what it holds.`,
      );
    }
    if (filled.length > 0 || (await migrationLevel(q)).level > manifest.migration.level) {
      await dropEverything(q, existing);
    }
    await migrateTo(q, manifest.migration.level);
    const target = new Map((await listTables(q)).map((t) => [t.name, t]));
    const read = new Map<string, TableDigest>();
    let current: { table: TableInfo; digest: DigestBuilder; batch: string[] } | undefined;
    const flush = async () => {
      if (!current) return;
      await insertRows(q, current.table, current.batch);
      current.batch = [];
    };
    for await (const line of lines) {
      if (line.startsWith('#table ')) {
        await flush();
        if (current) read.set(current.table.name, current.digest.digest());
        const name = line.slice('#table '.length);
        const table = target.get(name);
        if (!table || !manifest.tables.some((t) => t.name === name) || read.has(name)) {
          throw new ArchiveError(
            `The archive holds a table the manifest or this schema does not know (${name.slice(0, 64)}).`,
          );
        }
        current = { table, digest: new DigestBuilder(name), batch: [] };
      } else if (line !== '') {
        if (!current) throw new ArchiveError('The archive holds rows before any table marker.');
        current.digest.add(line);
        current.batch.push(line);
        if (current.batch.length >= INSERT_BATCH) await flush();
      }
    }
    await flush();
    if (current) read.set(current.table.name, current.digest.digest());
    // The whole archive has been read (and, if encrypted, authenticated) by now.
    for (const expected of manifest.tables) {
      if (!sameDigest(expected, read.get(expected.name))) {
        throw new ArchiveError(
          `The archive's rows of ${expected.name} do not match its manifest: it was changed or damaged.`,
        );
      }
      const stored = await tableDigest(q, target.get(expected.name) as TableInfo);
      if (!sameDigest(expected, stored)) {
        throw new ArchiveError(
          `${expected.name} does not read back as it was backed up; nothing was restored.`,
        );
      }
    }
    await migrateTo(q, known.length);
    return [...read.values()];
  });
  return { manifest, tables, migratedTo: known.length, ms: Math.round(performance.now() - started) };
}
