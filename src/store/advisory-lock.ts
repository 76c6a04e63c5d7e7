/**
 * PostgreSQL advisory locks for jobs every gateway schedules but one should run (scheduled
 * backups, usage roll-up and pruning). Each is a transaction-level lock: it ends with its
 * transaction, so a gateway that dies mid-job cannot leave it held.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type SQL } from 'drizzle-orm';

/** Fixed numbers nothing else in the database takes ("SWY" + a letter). */
export const ADVISORY_LOCK_KEYS = {
  backup: 0x5357_5942,
  usageRollup: 0x5357_5955,
} as const;

/** Runs a query inside the transaction the lock is for, answering its rows. */
export type RowsOf = (query: SQL) => Promise<ReadonlyArray<Record<string, unknown>>>;

/** Takes the lock for the rest of the transaction; false when another session holds it. */
export async function tryTransactionLock(rowsOf: RowsOf, key: number): Promise<boolean> {
  const [row] = await rowsOf(sql`select pg_try_advisory_xact_lock(${key}) as ok`);
  return row?.ok === true;
}

/**
 * Keeps the lock until `holdMs` after `lockedAt` (performance.now()): gateways whose clocks differ
 * by a few seconds then find it taken rather than free again, and do not run the job twice.
 */
export async function holdLock(lockedAt: number, holdMs: number): Promise<void> {
  await sleep(Math.max(0, holdMs - (performance.now() - lockedAt)));
}
