import type { FastifyInstance } from 'fastify';
import {
  requestsQueryInput,
  statsQueryInput,
  type UsageReportsService,
} from '../../services/usage-reports.js';
import { documented } from '../openapi/route-doc.js';
import { usageViews } from '../openapi/usage-views.js';
import { requires } from './route-policy.js';

/** The admin dashboard's aggregates and the request log, both read from the usage ledger. */
export function registerUsageReportRoutes(app: FastifyInstance, reports: UsageReportsService): void {
  const usageRead = requires('usage:read');
  app.get(
    '/api/admin/stats',
    documented(usageRead, {
      summary:
        'Traffic over the last hour (per minute), day (per 15 minutes), 7 days (per hour), 30 days (per 6 hours) or 90 days (per day), and the live pool',
      description:
        'Requests, errors (status ≥ 400 except 499), latency and time-to-first-token percentiles, tokens per bucket; queue depth and per-account in-flight from this gateway’s pool. The 7d, 30d and 90d windows read the usage roll-ups (source: rollups; percentiles estimated from histograms), so they cover periods whose ledger rows were pruned (docs/retention.md).',
      query: statsQueryInput,
      responses: { 200: { description: 'The window’s buckets and totals.', schema: usageViews.stats } },
    }),
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      return reports.stats(request.query);
    },
  );
  app.get(
    '/api/admin/requests',
    documented(usageRead, {
      summary: 'The request log (usage ledger), newest first',
      description:
        'Filters: key, user, account (ids), model, status (429 or 5xx), from/to (ISO times). Pass next_cursor back as cursor for the next page.',
      query: requestsQueryInput,
      responses: { 200: { description: 'One page of requests.', schema: usageViews.requestsPage } },
    }),
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      return reports.requests(request.query);
    },
  );
}
