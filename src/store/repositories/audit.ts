import { randomUUID } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import { auditLog } from '../schema.js';
import type { AuditRepository } from '../types.js';
import { limitOf } from './shared.js';

export function auditRepository(db: StoreDatabase): AuditRepository {
  return {
    async append(entry) {
      const [row] = await db
        .insert(auditLog)
        .values({ ...entry, id: randomUUID() })
        .returning();
      if (!row) throw new Error('insert into audit_log returned no row');
      return row;
    },
    async list(filter = {}) {
      const { action } = filter;
      return db
        .select()
        .from(auditLog)
        .where(action === undefined ? undefined : eq(auditLog.action, action))
        .orderBy(desc(auditLog.at), desc(auditLog.id))
        .limit(limitOf(filter.limit));
    },
  };
}
