import type { FastifyInstance } from 'fastify';
import { auditCsv, type AuditLogService } from '../../services/audit-log.js';
import { requires } from './route-policy.js';

/** GET /api/admin/audit: filters in the query string; `format=csv` exports the same page as CSV. */
export function registerAuditRoutes(app: FastifyInstance, auditLog: AuditLogService): void {
  app.get('/api/admin/audit', requires('audit:read'), async (request, reply) => {
    const page = await auditLog.query(request.query);
    void reply.header('cache-control', 'no-store');
    if (page.format === 'csv') {
      if (page.nextCursor !== null) void reply.header('x-next-cursor', page.nextCursor);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="switchyard-audit.csv"')
        .header('x-content-type-options', 'nosniff')
        .send(auditCsv(page.data));
    }
    return { data: page.data, next_cursor: page.nextCursor };
  });
}
