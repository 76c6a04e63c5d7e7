import { sql } from 'drizzle-orm';
import { ADVISORY_LOCK_KEYS, holdLock, tryTransactionLock } from '../advisory-lock.js';
import type { StoreDatabase } from '../database.js';
import type { Store } from '../types.js';
import type {
  PrunableUsageTable,
  UsageRollupRepository,
  UsageTableSize,
  UsageWatermarks,
} from '../usage-rollup-types.js';
import { rowsOf } from './shared.js';
import { usageRollupReads } from './usage-rollup-reports.js';
import {
  at,
  DAY_MS,
  HOUR_MS,
  hourlyAsDaily,
  ledgerAsRollups,
  upsertRollups,
  watermark,
  WATERMARKS,
  type WatermarkName,
} from './usage-rollup-sql.js';

const affected = (result: unknown): number => {
  const { rowCount, affectedRows } = result as { rowCount?: number | null; affectedRows?: number };
  return rowCount ?? affectedRows ?? 0;
};
const dateOrNull = (value: unknown): Date | null =>
  value === null || value === undefined ? null : new Date(value as string | Date);
const floorTo = (time: number, step: number) => Math.floor(time / step) * step;
const ceilTo = (time: number, step: number) => Math.ceil(time / step) * step;

const PRUNE_WATERMARK: Record<PrunableUsageTable, { time: string; watermark: WatermarkName }> = {
  usage: { time: 'created_at', watermark: WATERMARKS.rawPrunedBefore },
  usage_hourly: { time: 'bucket_start', watermark: WATERMARKS.hourlyPrunedBefore },
};

async function readWatermarks(execute: (query: ReturnType<typeof sql>) => Promise<unknown>) {
  const rows = rowsOf(await execute(sql`select name, at from usage_watermarks`));
  const byName = new Map(rows.map((row) => [row.name, dateOrNull(row.at)]));
  return {
    rolledThrough: byName.get(WATERMARKS.rolledThrough) ?? null,
    rawPrunedBefore: byName.get(WATERMARKS.rawPrunedBefore) ?? null,
    hourlyPrunedBefore: byName.get(WATERMARKS.hourlyPrunedBefore) ?? null,
  } satisfies UsageWatermarks;
}

/** Making, pruning and reading the usage roll-ups (docs/retention.md). */
export function usageRollupRepository(db: StoreDatabase, kind: Store['kind']): UsageRollupRepository {
  return {
    watermarks: () => readWatermarks((query) => db.execute(query)),

    async oldestHour(table, from) {
      const column = sql.raw(PRUNE_WATERMARK[table].time);
      const after = from === undefined ? sql`` : sql` where ${column} >= ${at(from)}`;
      const [row] = rowsOf(await db.execute(sql`select min(${column}) as at from ${sql.raw(table)}${after}`));
      const oldest = dateOrNull(row?.at);
      return oldest === null ? null : new Date(floorTo(oldest.getTime(), HOUR_MS));
    },

    async ledgerChunk(from, maxRows) {
      const [first] = rowsOf(
        await db.execute(sql`select min(created_at) as at from usage where created_at >= ${at(from)}`),
      );
      const start = dateOrNull(first?.at);
      if (start === null) return null;
      const [cut] = rowsOf(
        await db.execute(sql`
          select created_at as at from usage where created_at >= ${at(start)}
          order by created_at offset ${Math.max(1, Math.floor(maxRows))} limit 1`),
      );
      const hourOf = (date: Date) => new Date(floorTo(date.getTime(), HOUR_MS));
      const cutAt = dateOrNull(cut?.at);
      return { start: hourOf(start), cut: cutAt === null ? null : hourOf(cutAt) };
    },

    async rollUp(from, to, raise = {}) {
      return db.transaction(async (tx) => {
        // Roll-ups serialize on this lock (plain reads do not wait for it): a prune cannot raise a
        // watermark, and start deleting below it, while a recompute is reading those rows.
        await tx.execute(sql`lock table usage_watermarks in exclusive mode`);
        const marks = await readWatermarks((query) => tx.execute(query));
        const floor = (mark: Date | null) => mark?.getTime() ?? -Infinity;
        // Never recompute from rows that are gone: hours whose ledger rows are pruned are final,
        // and so are days whose hourly rows are.
        const hourFrom = Math.max(
          from.getTime(),
          floor(marks.rawPrunedBefore),
          floor(marks.hourlyPrunedBefore),
        );
        const hourTo = to.getTime();
        let hourly = 0;
        if (hourFrom < hourTo) {
          const where = sql`u.created_at >= ${at(new Date(hourFrom))} and u.created_at < ${at(to)}`;
          hourly = affected(await tx.execute(upsertRollups('usage_hourly', ledgerAsRollups(where))));
        }
        const dayFrom = Math.max(floorTo(from.getTime(), DAY_MS), floor(marks.hourlyPrunedBefore));
        const dayTo = ceilTo(hourTo, DAY_MS);
        let daily = 0;
        if (dayFrom < dayTo) {
          const days = hourlyAsDaily(new Date(dayFrom), new Date(dayTo));
          daily = affected(await tx.execute(upsertRollups('usage_daily', days)));
        }
        for (const [key, time] of Object.entries(raise) as Array<[keyof UsageWatermarks, Date]>) {
          await tx.execute(sql`
            insert into usage_watermarks (name, at) values (${WATERMARKS[key]}, ${at(time)})
            on conflict (name) do update set at = greatest(usage_watermarks.at, excluded.at)`);
        }
        return { hourly, daily };
      });
    },

    async pruneBatch(table, limit) {
      const { time, watermark: mark } = PRUNE_WATERMARK[table];
      const name = sql.raw(table);
      const column = sql.raw(time);
      const below = watermark(mark);
      // The oldest `limit` rows below the watermark, by time: an index range both to find the
      // batch's last time and to delete up to it. Rows sharing that last time go in the same
      // batch, so every batch makes progress; a bounded batch keeps locks and WAL small.
      const result = await db.execute(sql`
        delete from ${name} where ${column} < ${below} and ${column} <= coalesce(
          (select ${column} from ${name} where ${column} < ${below}
            order by ${column} offset ${Math.max(0, Math.floor(limit) - 1)} limit 1),
          ${below})`);
      return affected(result);
    },

    async vacuum(tables) {
      // Not in a transaction (VACUUM refuses one). PostgreSQL's autovacuum would get there too,
      // later; PGlite has none, so without this its files would only ever grow.
      for (const table of tables) await db.execute(sql.raw(`vacuum ${table}`));
    },

    async sizes() {
      const rows = rowsOf(
        await db.execute(sql`
          select c.relname as table, greatest(c.reltuples, 0)::float8 as rows,
            pg_total_relation_size(c.oid)::float8 as bytes
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relname in ('usage', 'usage_hourly', 'usage_daily')
          order by c.relname`),
      );
      return rows.map((row) => ({
        table: row.table as UsageTableSize['table'],
        rowsEstimate: Number(row.rows),
        bytes: Number(row.bytes),
      }));
    },

    async exclusive(holdMs, body) {
      // PGlite serves one process, and its one connection could not run the job beside a
      // transaction holding a lock anyway.
      if (kind === 'pglite') return { ran: true, value: await body() };
      return db.transaction(async (tx) => {
        const lockedAt = performance.now();
        const free = await tryTransactionLock(
          async (query) => rowsOf(await tx.execute(query)),
          ADVISORY_LOCK_KEYS.usageRollup,
        );
        if (!free) return { ran: false } as const;
        // The job's own statements run on other pooled connections; this one only holds the lock.
        const value = await body();
        await holdLock(lockedAt, holdMs);
        return { ran: true, value } as const;
      });
    },

    ...usageRollupReads(db),
  };
}
