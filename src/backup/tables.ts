import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Sql } from './sql.js';

export interface TableInfo {
  name: string;
  /** Primary key columns, quoted, in key order: rows are read and checksummed in this order. */
  orderBy: string;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const tableRef = (name: string) => `"public".${quote(name)}`;

/**
 * Every table of the public schema, parents before children (foreign keys), so rows restored in
 * this order satisfy every constraint as they go. Read from the catalogue, so a table added by a
 * later migration is backed up without anyone remembering to list it here.
 */
export async function listTables(q: Sql): Promise<TableInfo[]> {
  const tables = await q.query<{ name: string; pk: string | null }>(sql`
    select c.relname as name,
      (select string_agg(quote_ident(a.attname), ',' order by array_position(i.indkey::int2[], a.attnum))
         from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey::int2[])
        where i.indrelid = c.oid and i.indisprimary) as pk
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r'
    order by c.relname`);
  const edges = await q.query<{ child: string; parent: string }>(sql`
    select ch.relname as child, pa.relname as parent
    from pg_constraint k
      join pg_class ch on ch.oid = k.conrelid
      join pg_class pa on pa.oid = k.confrelid
      join pg_namespace n on n.oid = ch.relnamespace
    where k.contype = 'f' and n.nspname = 'public' and ch.relname <> pa.relname`);
  const pending = new Map(tables.map((t) => [t.name, t]));
  const ordered: TableInfo[] = [];
  while (pending.size > 0) {
    const ready = [...pending.keys()].filter(
      (name) => !edges.some((e) => e.child === name && pending.has(e.parent)),
    );
    if (ready.length === 0) throw new Error('the tables have a foreign-key cycle; cannot order them');
    for (const name of ready) {
      const table = pending.get(name) as { name: string; pk: string | null };
      // Every Switchyard table has a primary key; ordering by the whole row covers one without.
      ordered.push({ name, orderBy: table.pk ?? 't::text' });
      pending.delete(name);
    }
  }
  return ordered;
}

const BATCH_ROWS = 2_000;

/**
 * A table's rows in canonical form: `to_jsonb(row)` as text, in primary-key order, with timestamps
 * in UTC. jsonb sorts keys and normalises values, so PGlite and PostgreSQL print the same rows
 * identically: the checksum of a backup taken from one matches a restore into the other.
 * Needs a transaction (the cursor lives in it) with `TimeZone` set to UTC.
 */
export async function* canonicalRows(q: Sql, table: TableInfo): AsyncGenerator<string[]> {
  const cursor = quote(`sy_rows_${table.name}`);
  await q.query(
    sql.raw(
      `declare ${cursor} no scroll cursor for select to_jsonb(t)::text as r from ${tableRef(table.name)} t order by ${table.orderBy}`,
    ),
  );
  try {
    for (;;) {
      const rows = await q.query<{ r: string }>(sql.raw(`fetch forward ${BATCH_ROWS} from ${cursor}`));
      if (rows.length === 0) return;
      yield rows.map((row) => row.r);
    }
  } finally {
    // After a failed statement the transaction is aborted and rolls back anyway, cursor included.
    await q.query(sql.raw(`close ${cursor}`)).catch(() => {});
  }
}

export async function useUtc(q: Sql): Promise<void> {
  await q.query(sql`set local timezone to 'UTC'`);
}

export interface TableDigest {
  name: string;
  rows: number;
  sha256: string;
}

/** Counts and hashes rows as they are written or read, one canonical line at a time. */
export class DigestBuilder {
  private readonly hash = createHash('sha256');
  rows = 0;
  constructor(readonly name: string) {}
  add(line: string): void {
    this.hash.update(line).update('\n');
    this.rows += 1;
  }
  digest(): TableDigest {
    return { name: this.name, rows: this.rows, sha256: this.hash.digest('hex') };
  }
}

/** The digest of a table as the database holds it now (the restore drill compares these). */
export async function tableDigest(q: Sql, table: TableInfo): Promise<TableDigest> {
  const builder = new DigestBuilder(table.name);
  for await (const batch of canonicalRows(q, table)) for (const line of batch) builder.add(line);
  return builder.digest();
}
