/**
 * The admin dashboard's numbers and the request log, read from the usage ledger (one row per
 * request) plus the live pool. Windows are fixed so every query is bounded: the short ones by
 * the created_at index, the long ones by reading roll-ups (docs/retention.md), which also cover
 * periods whose ledger rows were pruned.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../errors.js';
import type {
  AccountState,
  UsageAggregate,
  UsageReportRepository,
  UsageRequestRow,
  UsageRollupRepository,
} from '../store/types.js';
import { parseInput } from './parse-input.js';
import { aggregateOfRollup, mergeRollups } from './rollup-aggregates.js';
import type {
  AggregateView,
  Agree,
  RequestView,
  Same,
  StatsView,
  StatsWindow as StatsWindowView,
} from './admin-views.js';

export type { AggregateView, RequestView, StatsView } from './admin-views.js';

/** `rollups`: read from the roll-ups (percentiles estimated from histograms), not ledger rows. */
export const STATS_WINDOWS = {
  '1h': { ms: 3_600_000, bucketSeconds: 60, rollups: false },
  '24h': { ms: 86_400_000, bucketSeconds: 900, rollups: false },
  '7d': { ms: 7 * 86_400_000, bucketSeconds: 3_600, rollups: true },
  '30d': { ms: 30 * 86_400_000, bucketSeconds: 21_600, rollups: true },
  '90d': { ms: 90 * 86_400_000, bucketSeconds: 86_400, rollups: true },
} as const;
export type StatsWindow = keyof typeof STATS_WINDOWS;
/** Fails to compile when the windows or aggregate drift from their copies in admin-views.ts. */
export type UsageViewsAgree = [
  Agree<Same<StatsWindow, StatsWindowView>>,
  Agree<Same<UsageAggregate, AggregateView>>,
];
export const STATS_WINDOW_NAMES = Object.keys(STATS_WINDOWS) as [StatsWindow, ...StatsWindow[]];

export const statsQueryInput = z.strictObject({
  window: z.enum(STATS_WINDOW_NAMES).default('1h'),
});

const MAX_PAGE = 500;
export const requestsQueryInput = z.strictObject({
  key: z.string().min(1).max(64).optional(),
  user: z.string().min(1).max(64).optional(),
  account: z.string().min(1).max(64).optional(),
  model: z.string().min(1).max(200).optional(),
  /** One status (`429`) or a class (`5xx`). */
  status: z
    .string()
    .regex(/^[1-5](\d\d|xx)$/, 'a status code such as 429, or a class such as 5xx')
    .optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
  cursor: z.string().max(200).optional(),
});

/** An account as the running pool sees it right now. */
export interface LiveAccount {
  id: string;
  name: string;
  kind: string;
  state: AccountState;
  inFlight: number;
  maxConcurrency: number;
  /** Epoch ms; 0 when not cooling down. */
  cooldownUntil: number;
}

export interface LiveSnapshot {
  queueDepth: number;
  accounts: readonly LiveAccount[];
}

const EMPTY: UsageAggregate = {
  requests: 0,
  errors: 0,
  latencyP50Ms: null,
  latencyP95Ms: null,
  latencyP99Ms: null,
  ttftP50Ms: null,
  ttftP95Ms: null,
  ttftP99Ms: null,
  inputTokens: 0,
  outputTokens: 0,
  cacheReadInputTokens: 0,
  cacheCreationInputTokens: 0,
  costUsd: 0,
};

export class UsageReportsService {
  constructor(
    private readonly reports: UsageReportRepository,
    private readonly rollups: Pick<UsageRollupRepository, 'buckets' | 'byAccount'>,
    private readonly live: () => LiveSnapshot,
    private readonly now: () => number = Date.now,
  ) {}

  async stats(raw: unknown): Promise<StatsView> {
    const { window } = parseInput(statsQueryInput, raw ?? {});
    const { ms, bucketSeconds, rollups } = STATS_WINDOWS[window];
    const bucketMs = bucketSeconds * 1000;
    const now = this.now();
    // Buckets aligned to the clock, so two refreshes a few seconds apart draw the same bars.
    const count = ms / bucketMs;
    const fromMs = Math.floor(now / bucketMs) * bucketMs - (count - 1) * bucketMs;
    const from = new Date(fromMs);
    const to = new Date(now + 1);
    const [rows, totals, byAccount] = rollups
      ? await this.fromRollups(from, to, bucketSeconds)
      : await Promise.all([
          this.reports.buckets(from, to, bucketSeconds),
          this.reports.totals(from, to),
          this.reports.byAccount(from, to),
        ]);
    const byStart = new Map(rows.map((row) => [row.start.getTime(), row]));
    const buckets = Array.from({ length: count }, (_, i) => {
      const start = fromMs + i * bucketMs;
      const { start: _start, ...aggregate } = byStart.get(start) ?? { start: null, ...EMPTY };
      return { start: new Date(start).toISOString(), ...aggregate };
    });
    const snapshot = this.live();
    const names = new Map(snapshot.accounts.map((a) => [a.id, a.name]));
    const seconds = Math.max(1, (now - fromMs) / 1000);
    return {
      window,
      source: rollups ? 'rollups' : 'ledger',
      bucketSeconds,
      from: from.toISOString(),
      to: new Date(now).toISOString(),
      buckets,
      totals: {
        ...totals,
        requestsPerSecond: totals.requests / seconds,
        errorRate: totals.requests === 0 ? 0 : totals.errors / totals.requests,
      },
      live: {
        queueDepth: snapshot.queueDepth,
        accounts: snapshot.accounts.map((a) => ({
          id: a.id,
          name: a.name,
          kind: a.kind,
          state: a.state,
          inFlight: a.inFlight,
          maxConcurrency: a.maxConcurrency,
          utilisation: a.maxConcurrency > 0 ? Math.min(1, a.inFlight / a.maxConcurrency) : 0,
          cooldownUntil: a.cooldownUntil > now ? new Date(a.cooldownUntil).toISOString() : null,
        })),
      },
      accounts: byAccount.map((a) => ({
        ...a,
        accountName: a.accountId === null ? null : (names.get(a.accountId) ?? null),
      })),
    };
  }

  private async fromRollups(from: Date, to: Date, bucketSeconds: number) {
    const [buckets, byAccount] = await Promise.all([
      this.rollups.buckets(from, to, bucketSeconds),
      this.rollups.byAccount(from, to),
    ]);
    const rows = buckets.map((bucket) => ({ start: bucket.start, ...aggregateOfRollup(bucket) }));
    return [rows, aggregateOfRollup(mergeRollups(buckets)), byAccount] as const;
  }

  async requests(raw: unknown): Promise<{ data: RequestView[]; next_cursor: string | null }> {
    const input = parseInput(requestsQueryInput, raw ?? {});
    const limit = input.limit ?? 50;
    const rows = await this.reports.requests({
      apiKeyId: input.key,
      userId: input.user,
      accountId: input.account,
      model: input.model,
      status: input.status === undefined ? undefined : statusRange(input.status),
      from: input.from === undefined ? undefined : new Date(input.from),
      to: input.to === undefined ? undefined : new Date(input.to),
      before: input.cursor === undefined ? undefined : decodeCursor(input.cursor),
      // One more than asked tells whether another page exists.
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map(requestViewOf),
      next_cursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }
}

function statusRange(status: string): { min: number; max: number } {
  if (status.endsWith('xx')) {
    const base = Number(status[0]) * 100;
    return { min: base, max: base + 99 };
  }
  return { min: Number(status), max: Number(status) };
}

function requestViewOf(row: UsageRequestRow): RequestView {
  return {
    requestId: row.requestId,
    createdAt: row.createdAt.toISOString(),
    apiKeyId: row.apiKeyId,
    apiKeyName: row.apiKeyName,
    userId: row.userId,
    username: row.username,
    accountId: row.accountId,
    accountName: row.accountName,
    model: row.model,
    requestedModel: row.requestedModel,
    stream: row.stream,
    status: row.status,
    errorType: row.errorType,
    latencyMs: row.latencyMs,
    ttftMs: row.ttftMs,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    cacheReadInputTokens: row.cacheReadInputTokens,
    cacheCreationInputTokens: row.cacheCreationInputTokens,
    costUsd: Number(row.costUsd),
  };
}

function encodeCursor(row: UsageRequestRow): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.requestId])).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; requestId: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      const at = new Date(parsed[0]);
      if (!Number.isNaN(at.getTime())) return { at, requestId: parsed[1] };
    }
  } catch {
    // fall through
  }
  throw new InvalidRequestError('cursor: not a cursor this API returned.');
}
