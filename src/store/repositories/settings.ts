import { asc, sql } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import { settings } from '../schema.js';
import type { SettingsRepository } from '../settings-types.js';

/** The settings table: a handful of rows, read whole. */
export function settingsRepository(db: StoreDatabase): SettingsRepository {
  return {
    list: async () => db.select().from(settings).orderBy(asc(settings.key)),
    async upsert(key, value, updatedBy) {
      const [row] = await db
        .insert(settings)
        .values({ key, value, updatedBy })
        .onConflictDoUpdate({ target: settings.key, set: { value, updatedBy, updatedAt: sql`now()` } })
        .returning();
      if (!row) throw new Error(`upsert into settings returned no row for ${key}`);
      return row;
    },
  };
}
