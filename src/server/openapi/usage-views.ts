/**
 * Answer schemas of the dashboard and request-log routes, typed against the service's views (see
 * views.ts for why), for the OpenAPI document and the test that checks real answers against it.
 */
import { z } from 'zod';
import { STATS_WINDOW_NAMES, type RequestView, type StatsView } from '../../services/usage-reports.js';
import { ACCOUNT_STATES } from '../../store/types.js';
import { named } from './route-doc.js';

const timestamp = z.iso.datetime({ offset: true });
const ms = z.number().nullable();

const aggregateShape = {
  requests: z.number().int(),
  errors: z.number().int(),
  latencyP50Ms: ms,
  latencyP95Ms: ms,
  latencyP99Ms: ms,
  ttftP50Ms: ms,
  ttftP95Ms: ms,
  ttftP99Ms: ms,
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadInputTokens: z.number(),
  cacheCreationInputTokens: z.number(),
  costUsd: z.number(),
};

const stats: z.ZodType<StatsView> = z.object({
  window: z.enum(STATS_WINDOW_NAMES),
  source: z.enum(['ledger', 'rollups']),
  bucketSeconds: z.number().int(),
  from: timestamp,
  to: timestamp,
  buckets: z.array(z.object({ start: timestamp, ...aggregateShape })),
  totals: z.object({ ...aggregateShape, requestsPerSecond: z.number(), errorRate: z.number() }),
  live: z.object({
    queueDepth: z.number().int(),
    accounts: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        kind: z.string(),
        state: z.enum(ACCOUNT_STATES),
        inFlight: z.number().int(),
        maxConcurrency: z.number().int(),
        utilisation: z.number(),
        cooldownUntil: timestamp.nullable(),
      }),
    ),
  }),
  accounts: z.array(
    z.object({
      accountId: z.string().nullable(),
      accountName: z.string().nullable(),
      requests: z.number().int(),
      errors: z.number().int(),
      inputTokens: z.number(),
      outputTokens: z.number(),
      costUsd: z.number(),
    }),
  ),
});

const request: z.ZodType<RequestView> = z.object({
  requestId: z.string(),
  createdAt: timestamp,
  apiKeyId: z.string().nullable(),
  apiKeyName: z.string().nullable(),
  userId: z.string().nullable(),
  username: z.string().nullable(),
  accountId: z.string().nullable(),
  accountName: z.string().nullable(),
  model: z.string(),
  requestedModel: z.string().nullable(),
  stream: z.boolean(),
  status: z.number().int(),
  errorType: z.string().nullable(),
  latencyMs: z.number().int(),
  ttftMs: z.number().int().nullable(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadInputTokens: z.number().int(),
  cacheCreationInputTokens: z.number().int(),
  costUsd: z.number(),
});

export const usageViews = {
  stats: named('UsageStats', stats),
  requestsPage: named(
    'RequestLogPage',
    z.object({ data: z.array(request), next_cursor: z.string().nullable() }),
  ),
} as const;
