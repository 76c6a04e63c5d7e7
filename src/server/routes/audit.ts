import type { FastifyInstance } from 'fastify';
import { auditCsv, auditQueryInput, type AuditLogService } from '../../services/audit-log.js';
import { documented } from '../openapi/route-doc.js';
import { views } from '../openapi/views.js';
import { requires } from './route-policy.js';

/** GET /api/admin/audit: filters in the query string; `format=csv` exports the same page as CSV. */
export function registerAuditRoutes(app: FastifyInstance, auditLog: AuditLogService): void {
  const doc = documented(requires('audit:read'), {
    summary: 'The audit log, newest first',
    description:
      'Pass next_cursor back as cursor for the next page. format=csv answers text/csv (up to 10 000 rows; the next cursor is in x-next-cursor).',
    query: auditQueryInput,
    responses: { 200: { description: 'One page of entries.', schema: views.auditPage } },
  });
  app.get('/api/admin/audit', doc, async (request, reply) => {
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
