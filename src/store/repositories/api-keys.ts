import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import { apiKeys, users } from '../schema.js';
import type { ApiKeyRepository } from '../types.js';
import { isUuid, withConflicts } from './shared.js';

export function apiKeyRepository(db: StoreDatabase): ApiKeyRepository {
  return {
    async insert(key) {
      const [row] = await withConflicts(
        () => db.insert(apiKeys).values(key).returning(),
        (constraint) =>
          constraint === 'api_keys_pkey'
            ? `an API key with id ${key.id} already exists`
            : 'an API key with the same secret already exists',
      );
      if (!row) throw new Error('insert into api_keys returned no row');
      return row;
    },
    async findByHash(keyHash) {
      const [row] = await db.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
      return row;
    },
    async findCredential(keyHash) {
      const [row] = await db
        .select({
          key: apiKeys,
          owner: { limits: users.limits, allowedModels: users.allowedModels, disabledAt: users.disabledAt },
        })
        .from(apiKeys)
        .innerJoin(users, eq(users.id, apiKeys.userId))
        .where(eq(apiKeys.keyHash, keyHash));
      return row;
    },
    async get(id) {
      if (!isUuid(id)) return undefined;
      const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
      return row;
    },
    async list(filter = {}) {
      const { userId } = filter;
      if (userId !== undefined && !isUuid(userId)) return [];
      return db
        .select()
        .from(apiKeys)
        .where(userId === undefined ? undefined : eq(apiKeys.userId, userId))
        .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
    },
    async revoke(id, at) {
      if (!isUuid(id)) return false;
      const rows = await db
        .update(apiKeys)
        .set({ revokedAt: at })
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id });
      return rows.length > 0;
    },
    async update(id, patch) {
      if (!isUuid(id)) return undefined;
      const [row] = await db.update(apiKeys).set(patch).where(eq(apiKeys.id, id)).returning();
      return row;
    },
    async touchLastUsed(ids, at) {
      const valid = [...new Set(ids)].filter(isUuid);
      if (valid.length === 0) return;
      // Batches may be flushed out of order; greatest() keeps the newest time (and ignores NULL).
      await db
        .update(apiKeys)
        .set({ lastUsedAt: sql`greatest(${apiKeys.lastUsedAt}, ${sql.param(at, apiKeys.lastUsedAt)})` })
        .where(inArray(apiKeys.id, valid));
    },
  };
}
