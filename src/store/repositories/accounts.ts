import { asc, count, eq, sql } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import { accounts } from '../schema.js';
import type { AccountPatch, AccountRecord, AccountRepository, NewAccount } from '../types.js';
import { isUuid, withConflicts } from './shared.js';

type AccountUpdate = Partial<typeof accounts.$inferInsert>;

function conflictMessage(name: string | undefined, id: string | undefined) {
  return (constraint: string | null): string =>
    constraint === 'accounts_pkey'
      ? `an account with id ${id} already exists`
      : `an account named "${name}" already exists`;
}

// Copies only the columns a patch may change, so a record passed back whole cannot rewrite id or kind.
function updateOf(patch: AccountPatch): AccountUpdate {
  return {
    name: patch.name,
    baseUrl: patch.baseUrl,
    encryptedCredential: patch.encryptedCredential,
    maxConcurrency: patch.maxConcurrency,
    priority: patch.priority,
    weight: patch.weight,
    models: patch.models,
    settings: patch.settings,
    state: patch.state,
    stateReason: patch.stateReason,
    cooldownUntil: patch.cooldownUntil,
  };
}

export function accountRepository(db: StoreDatabase): AccountRepository {
  const get = async (id: string): Promise<AccountRecord | undefined> => {
    if (!isUuid(id)) return undefined;
    const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
    return row;
  };

  return {
    list: async () => db.select().from(accounts).orderBy(asc(accounts.priority), asc(accounts.name)),
    get,
    async getByName(name) {
      const [row] = await db.select().from(accounts).where(eq(accounts.name, name));
      return row;
    },
    async insert(account: NewAccount) {
      const [row] = await withConflicts(
        () => db.insert(accounts).values(account).returning(),
        conflictMessage(account.name, account.id),
      );
      if (!row) throw new Error('insert into accounts returned no row');
      return row;
    },
    async update(id, patch) {
      if (!isUuid(id)) return undefined;
      const [row] = await withConflicts(
        () =>
          db
            .update(accounts)
            .set({ ...updateOf(patch), updatedAt: sql`now()` })
            .where(eq(accounts.id, id))
            .returning(),
        conflictMessage(patch.name, id),
      );
      return row;
    },
    async remove(id) {
      if (!isUuid(id)) return false;
      const rows = await db.delete(accounts).where(eq(accounts.id, id)).returning({ id: accounts.id });
      return rows.length > 0;
    },
    async count() {
      const [row] = await db.select({ n: count() }).from(accounts);
      return row?.n ?? 0;
    },
  };
}
