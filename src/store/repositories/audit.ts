import { randomUUID } from 'node:crypto';
import { and, desc, eq, gte, lt, or, type SQL } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import { auditLog } from '../schema.js';
import type { AuditFilter, AuditRepository } from '../types.js';
import { isUuid, limitOf } from './shared.js';

function conditionsOf(filter: AuditFilter): SQL | undefined {
  const { action, actorId, targetId, from, to, before } = filter;
  const conditions: Array<SQL | undefined> = [
    action === undefined ? undefined : eq(auditLog.action, action),
    actorId === undefined ? undefined : eq(auditLog.actorId, actorId),
    targetId === undefined ? undefined : eq(auditLog.targetId, targetId),
    from === undefined ? undefined : gte(auditLog.at, from),
    to === undefined ? undefined : lt(auditLog.at, to),
  ];
  if (before !== undefined) {
    // Keyset pagination over (at, id): stable while new entries keep arriving.
    const beforeId = isUuid(before.id) ? before.id : '00000000-0000-0000-0000-000000000000';
    conditions.push(
      or(lt(auditLog.at, before.at), and(eq(auditLog.at, before.at), lt(auditLog.id, beforeId))),
    );
  }
  return and(...conditions);
}

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
      return db
        .select()
        .from(auditLog)
        .where(conditionsOf(filter))
        .orderBy(desc(auditLog.at), desc(auditLog.id))
        .limit(limitOf(filter.limit));
    },
  };
}
