import { and, asc, count, eq, isNull } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import { users } from '../schema.js';
import type { UserRepository } from '../types.js';
import { isUuid, withConflicts } from './shared.js';

export function userRepository(db: StoreDatabase): UserRepository {
  const get = async (id: string) => {
    if (!isUuid(id)) return undefined;
    const [row] = await db.select().from(users).where(eq(users.id, id));
    return row;
  };
  return {
    async insert(user) {
      const [row] = await withConflicts(
        () => db.insert(users).values(user).returning(),
        (constraint) =>
          constraint === 'users_pkey'
            ? `a user with id ${user.id} already exists`
            : `a user named "${user.username}" already exists`,
      );
      if (!row) throw new Error('insert into users returned no row');
      return row;
    },
    get,
    async getByUsername(username) {
      const [row] = await db.select().from(users).where(eq(users.username, username));
      return row;
    },
    async firstAdmin() {
      // A disabled admin cannot act, so keys made from the command line must not land on one.
      const [row] = await db
        .select()
        .from(users)
        .where(and(eq(users.role, 'admin'), isNull(users.disabledAt)))
        .orderBy(asc(users.createdAt), asc(users.id))
        .limit(1);
      return row;
    },
    list: async () => db.select().from(users).orderBy(asc(users.createdAt), asc(users.id)),
    async update(id, patch) {
      if (!isUuid(id)) return undefined;
      // Only the columns a patch may change, so a whole record passed back cannot rewrite the rest.
      const { passwordHash, role, mustChangePassword, disabledAt, limits, allowedModels } = patch;
      const changes = { passwordHash, role, mustChangePassword, disabledAt, limits, allowedModels };
      if (Object.values(changes).every((v) => v === undefined)) return get(id);
      const [row] = await db.update(users).set(changes).where(eq(users.id, id)).returning();
      return row;
    },
    async countActiveAdmins() {
      const [row] = await db
        .select({ n: count() })
        .from(users)
        .where(and(eq(users.role, 'admin'), isNull(users.disabledAt)));
      return row?.n ?? 0;
    },
    async count() {
      const [row] = await db.select({ n: count() }).from(users);
      return row?.n ?? 0;
    },
  };
}
