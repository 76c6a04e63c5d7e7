import { and, count, desc, eq } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import { usage } from '../schema.js';
import type { UsageRepository } from '../types.js';
import { isUuid, limitOf } from './shared.js';

// 16 columns per row; PostgreSQL allows 65535 bind parameters per statement.
const ROWS_PER_INSERT = 1000;

export function usageRepository(db: StoreDatabase): UsageRepository {
  return {
    async insertMany(rows) {
      let inserted = 0;
      for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
        const chunk = rows.slice(start, start + ROWS_PER_INSERT);
        // The same request may be flushed twice (retry after a crash); the first record wins.
        const written = await db
          .insert(usage)
          .values(chunk)
          .onConflictDoNothing({ target: usage.requestId })
          .returning({ requestId: usage.requestId });
        inserted += written.length;
      }
      return inserted;
    },
    async list(filter = {}) {
      const { requestId, apiKeyId } = filter;
      if (apiKeyId !== undefined && !isUuid(apiKeyId)) return [];
      return db
        .select()
        .from(usage)
        .where(
          and(
            requestId === undefined ? undefined : eq(usage.requestId, requestId),
            apiKeyId === undefined ? undefined : eq(usage.apiKeyId, apiKeyId),
          ),
        )
        .orderBy(desc(usage.createdAt), desc(usage.requestId))
        .limit(limitOf(filter.limit));
    },
    async count() {
      const [row] = await db.select({ n: count() }).from(usage);
      return row?.n ?? 0;
    },
  };
}
