import { asc, eq, sql } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import { modelAliases, models } from '../schema.js';
import type { ModelRepository, NewModelRecord } from '../types.js';

/** The admins' catalogue edits: whole rows replaced on write, so a write is its own audit unit. */
export function modelRepository(db: StoreDatabase): ModelRepository {
  return {
    list: async () => db.select().from(models).orderBy(asc(models.id)),
    async get(id) {
      const [row] = await db.select().from(models).where(eq(models.id, id));
      return row;
    },
    async upsert(model: NewModelRecord) {
      const { id, ...fields } = model;
      const [row] = await db
        .insert(models)
        .values(model)
        .onConflictDoUpdate({ target: models.id, set: { ...fields, updatedAt: sql`now()` } })
        .returning();
      if (!row) throw new Error(`upsert into models returned no row for ${id}`);
      return row;
    },
    async remove(id) {
      const rows = await db.delete(models).where(eq(models.id, id)).returning({ id: models.id });
      return rows.length > 0;
    },
    listAliases: async () => db.select().from(modelAliases).orderBy(asc(modelAliases.alias)),
    async upsertAlias(alias, modelId) {
      const [row] = await db
        .insert(modelAliases)
        .values({ alias, modelId })
        .onConflictDoUpdate({ target: modelAliases.alias, set: { modelId, updatedAt: sql`now()` } })
        .returning();
      if (!row) throw new Error(`upsert into model_aliases returned no row for ${alias}`);
      return row;
    },
    async removeAlias(alias) {
      const rows = await db
        .delete(modelAliases)
        .where(eq(modelAliases.alias, alias))
        .returning({ alias: modelAliases.alias });
      return rows.length > 0;
    },
  };
}
