import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RetentionRun, RetentionView, UsageRetentionService } from '../../services/usage-retention.js';
import { documented, named } from '../openapi/route-doc.js';
import { auditContextOf, requires } from './route-policy.js';

const timestamp = z.iso.datetime({ offset: true });

const runView: z.ZodType<RetentionRun> = z.object({
  ran: z.boolean(),
  hoursRolledUp: z.number().int(),
  rawPruned: z.number().int(),
  hourlyPruned: z.number().int(),
  ms: z.number().int(),
});

const retentionView: z.ZodType<RetentionView> = z.object({
  policy: z.object({ rawDays: z.number().int(), hourlyDays: z.number().int() }),
  watermarks: z.object({
    rolledThrough: timestamp.nullable(),
    rawPrunedBefore: timestamp.nullable(),
    hourlyPrunedBefore: timestamp.nullable(),
  }),
  tables: z.array(
    z.object({
      table: z.enum(['usage', 'usage_hourly', 'usage_daily']),
      rowsEstimate: z.number(),
      bytes: z.number(),
    }),
  ),
});

/** The usage ledger's roll-ups and pruning (docs/retention.md). */
export function registerUsageRetentionRoutes(app: FastifyInstance, retention: UsageRetentionService): void {
  app.get(
    '/api/admin/usage/retention',
    documented(requires('usage:read'), {
      summary: 'How long usage is kept, how far roll-up and pruning have got, and the tables’ sizes',
      description:
        'Ledger rows (the request log) older than rawDays are pruned once rolled up; hourly roll-ups older than hourlyDays too; daily roll-ups are kept. Row counts are the planner’s estimates.',
      responses: {
        200: {
          description: 'The policy, watermarks and sizes.',
          schema: named('UsageRetention', retentionView),
        },
      },
    }),
    async (_request, reply) => {
      void reply.header('cache-control', 'no-store');
      return retention.status();
    },
  );
  app.post(
    '/api/admin/usage/retention/run',
    documented(requires('usage:prune'), {
      summary: 'Roll up and prune usage now, as the schedule (USAGE_RETENTION_CRON) does',
      description:
        'Deletes ledger rows and hourly roll-ups past their retention after rolling them up; recorded in the audit log as usage.prune. `ran` is false when another gateway is running it.',
      body: null,
      responses: { 200: { description: 'What the run did.', schema: named('UsageRetentionRun', runView) } },
    }),
    async (request) => retention.runNow(auditContextOf(request)),
  );
}
