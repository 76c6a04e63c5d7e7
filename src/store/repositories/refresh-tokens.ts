import { and, count, eq, isNull } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import { refreshTokens } from '../schema.js';
import type { RefreshTokenRepository } from '../types.js';
import { isUuid } from './shared.js';

export function refreshTokenRepository(db: StoreDatabase): RefreshTokenRepository {
  return {
    async insert(token) {
      const [row] = await db.insert(refreshTokens).values(token).returning();
      if (!row) throw new Error('insert into refresh_tokens returned no row');
      return row;
    },
    async findByHash(tokenHash) {
      const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
      return row;
    },
    async markRotated(id, at) {
      if (!isUuid(id)) return false;
      // One conditional update: the database decides which of two racing refreshes wins.
      const rows = await db
        .update(refreshTokens)
        .set({ rotatedAt: at })
        .where(
          and(eq(refreshTokens.id, id), isNull(refreshTokens.rotatedAt), isNull(refreshTokens.revokedAt)),
        )
        .returning({ id: refreshTokens.id });
      return rows.length > 0;
    },
    async revokeFamily(familyId, at) {
      if (!isUuid(familyId)) return 0;
      const rows = await db
        .update(refreshTokens)
        .set({ revokedAt: at })
        .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))
        .returning({ id: refreshTokens.id });
      return rows.length;
    },
    async isFamilyLive(familyId) {
      if (!isUuid(familyId)) return false;
      // One revoked token kills the family for good, even tokens inserted after the revocation.
      const [row] = await db
        .select({
          total: count(),
          revoked: count(refreshTokens.revokedAt),
        })
        .from(refreshTokens)
        .where(eq(refreshTokens.familyId, familyId));
      return row !== undefined && row.total > 0 && row.revoked === 0;
    },
    async revokeUser(userId, at) {
      if (!isUuid(userId)) return 0;
      const rows = await db
        .update(refreshTokens)
        .set({ revokedAt: at })
        .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)))
        .returning({ id: refreshTokens.id });
      return rows.length;
    },
  };
}
