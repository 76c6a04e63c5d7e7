import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migrationsFolder } from '../store/migrations-folder.js';
import type { Sql } from './sql.js';

export interface Migration {
  /** 1-based: level n means migrations 1..n are applied. */
  level: number;
  tag: string;
  when: number;
  hash: string;
  statements: string[];
}

export interface MigrationLevel {
  level: number;
  /** The journal tag of the last applied migration, when this release knows it. */
  tag: string | undefined;
  when: number | undefined;
}

let cached: Migration[] | undefined;

/** This release's migrations, as drizzle's migrator reads them (same files, same hashes). */
export function knownMigrations(): Migration[] {
  if (cached) return cached;
  const folder = migrationsFolder();
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: Array<{ tag: string; when: number }>;
  };
  cached = readMigrationFiles({ migrationsFolder: folder }).map((m, index) => ({
    level: index + 1,
    tag: journal.entries[index]?.tag ?? `#${index + 1}`,
    when: m.folderMillis,
    hash: m.hash,
    statements: m.sql,
  }));
  return cached;
}

/** How far a database is migrated, read from drizzle's own bookkeeping table. */
export async function migrationLevel(q: Sql): Promise<MigrationLevel> {
  const [present] = await q.query<{ present: boolean }>(
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  );
  if (!present?.present) return { level: 0, tag: undefined, when: undefined };
  const [row] = await q.query<{ level: number; last: string | null }>(
    sql`select count(*)::int as level, max(created_at)::text as last from drizzle.__drizzle_migrations`,
  );
  const when = row?.last === null || row?.last === undefined ? undefined : Number(row.last);
  return {
    level: row?.level ?? 0,
    tag: knownMigrations().find((m) => m.when === when)?.tag,
    when,
  };
}

/**
 * Applies this release's migrations up to `level` inside the caller's transaction, recording them
 * exactly as drizzle's migrator does, so `openStore` later sees them as applied. (drizzle's own
 * migrator opens a transaction of its own, which would commit the restore's halfway.)
 */
export async function migrateTo(q: Sql, level: number): Promise<void> {
  await q.query(sql`create schema if not exists "drizzle"`);
  await q.query(sql`create table if not exists "drizzle"."__drizzle_migrations" (
    id serial primary key, hash text not null, created_at bigint)`);
  const current = await migrationLevel(q);
  for (const migration of knownMigrations()) {
    if (migration.level > level) break;
    if (current.when !== undefined && migration.when <= current.when) continue;
    for (const statement of migration.statements) await q.query(sql.raw(statement));
    await q.query(
      sql`insert into "drizzle"."__drizzle_migrations" ("hash", "created_at") values (${migration.hash}, ${migration.when})`,
    );
  }
}
