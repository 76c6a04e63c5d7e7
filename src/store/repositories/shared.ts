import { StoreConflictError } from '../types.js';

const UNIQUE_VIOLATION = '23505';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The constraint a unique violation hit, or undefined when the error is something else. Drizzle
 * wraps driver errors in DrizzleQueryError, so the PostgreSQL error is found along the cause chain.
 */
function violatedConstraint(error: unknown): string | null | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const candidate = current as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (candidate.code === UNIQUE_VIOLATION) {
      return typeof candidate.constraint === 'string' ? candidate.constraint : null;
    }
    current = candidate.cause;
  }
  return undefined;
}

/**
 * Runs a write and turns a unique violation into a StoreConflictError whose message names what is
 * taken. The driver error is dropped, not chained: Drizzle's message carries the query's parameters,
 * which include password hashes and encrypted credentials.
 */
export async function withConflicts<T>(
  write: () => Promise<T>,
  describe: (constraint: string | null) => string,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const constraint = violatedConstraint(error);
    if (constraint === undefined) throw error;
    throw new StoreConflictError(describe(constraint));
  }
}

/** Ids come from URLs too; a malformed one simply matches nothing instead of raising a cast error. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function limitOf(limit: number | undefined, fallback = 100): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(0, Math.floor(limit));
}

export type Rows = Array<Record<string, unknown>>;

/** The rows of a raw `db.execute` result: PGlite and node-postgres both answer `{ rows }`. */
export const rowsOf = (result: unknown): Rows => (result as { rows?: Rows }).rows ?? [];
