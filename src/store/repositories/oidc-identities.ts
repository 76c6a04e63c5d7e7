import { and, eq } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import { oidcIdentities, users } from '../schema.js';
import type { OidcIdentityRepository } from '../types.js';
import { withConflicts } from './shared.js';

export function oidcIdentityRepository(db: StoreDatabase): OidcIdentityRepository {
  const matches = (issuer: string, subject: string) =>
    and(eq(oidcIdentities.issuer, issuer), eq(oidcIdentities.subject, subject));
  return {
    async find(issuer, subject) {
      const [row] = await db.select().from(oidcIdentities).where(matches(issuer, subject));
      return row;
    },
    async insertWithUser(user, link) {
      // One transaction: a user without its link could never sign in, and would hold the name.
      return withConflicts(
        () =>
          db.transaction(async (tx) => {
            const [row] = await tx.insert(users).values(user).returning();
            if (!row) throw new Error('insert into users returned no row');
            await tx.insert(oidcIdentities).values({ ...link, userId: row.id, lastLoginAt: new Date() });
            return row;
          }),
        (constraint) =>
          constraint === 'oidc_identities_pkey'
            ? 'this provider account is linked already'
            : `a user named "${user.username}" already exists`,
      );
    },
    async touch(issuer, subject, at) {
      await db.update(oidcIdentities).set({ lastLoginAt: at }).where(matches(issuer, subject));
    },
  };
}
