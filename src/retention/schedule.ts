/**
 * Usage roll-up and pruning in a running gateway (docs/retention.md): the service the admin API
 * and `switchyard prune` call, run on USAGE_RETENTION_CRON too, with its metrics and log lines.
 * Every gateway schedules it; on PostgreSQL an advisory lock lets one of them run each slot.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { parseCron } from '../backup/cron.js';
import { CronTimer } from '../backup/cron-timer.js';
import type { RetentionConfig } from '../config/retention.js';
import type { Logger } from '../observability/logger.js';
import { scrubbedAudit } from '../services/audit-context.js';
import { UsageRetentionService, type RetentionOutcome } from '../services/usage-retention.js';
import type { Store } from '../store/types.js';

// Longer than a plausible clock skew between gateways, shorter than the finest cron step.
const LOCK_HOLD_MS = 30_000;

export interface UsageRetention {
  service: UsageRetentionService;
  /** Stops the schedule and waits for a run under way. */
  stop(): Promise<void>;
}

function metricsOf(registry: Registry) {
  const registers = [registry];
  return {
    runs: new Counter({
      name: 'switchyard_usage_retention_runs_total',
      help: 'Usage roll-up and pruning runs by trigger and result (ran, skipped: another gateway ran it, failed).',
      labelNames: ['trigger', 'result'],
      registers,
    }),
    pruned: new Counter({
      name: 'switchyard_usage_rows_pruned_total',
      help: 'Rows deleted by usage retention, by table (usage: the ledger; usage_hourly: hourly roll-ups).',
      labelNames: ['table'],
      registers,
    }),
    seconds: new Gauge({
      name: 'switchyard_usage_retention_last_duration_seconds',
      help: 'How long the last usage roll-up and pruning run took.',
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'switchyard_usage_retention_last_success_timestamp_seconds',
      help: 'When a usage roll-up and pruning run last finished.',
      registers,
    }),
  };
}

export function startUsageRetention(
  config: RetentionConfig,
  store: Store,
  logger: Logger,
  registry?: Registry,
): UsageRetention {
  const metrics = registry ? metricsOf(registry) : undefined;
  const observe = ({ trigger, run, error }: RetentionOutcome) => {
    if (run === undefined) {
      metrics?.runs.inc({ trigger, result: 'failed' });
      logger.error({ err: error, trigger }, 'usage roll-up and pruning failed');
      return;
    }
    metrics?.runs.inc({ trigger, result: run.ran ? 'ran' : 'skipped' });
    if (!run.ran) return;
    metrics?.pruned.inc({ table: 'usage' }, run.rawPruned);
    metrics?.pruned.inc({ table: 'usage_hourly' }, run.hourlyPruned);
    metrics?.seconds.set(run.ms / 1000);
    metrics?.lastSuccess.set(Date.now() / 1000);
    logger.info({ trigger, ...run }, 'usage rolled up and pruned');
  };
  const service = new UsageRetentionService(
    store.usageRollups,
    { rawDays: config.rawDays, hourlyDays: config.hourlyDays },
    { audit: scrubbedAudit(store.audit), observe },
  );
  const schedule = config.cron === undefined ? undefined : parseCron(config.cron);
  if (typeof schedule === 'string') throw new Error(`USAGE_RETENTION_CRON ${schedule}`);
  const timer = schedule && new CronTimer(schedule, (at) => service.run(at, LOCK_HOLD_MS));
  timer?.start();
  return { service, stop: async () => timer?.stop() };
}
