import { parseCron } from '../backup/cron.js';
import type { RawConfig } from './schema.js';

/** Usage roll-up and pruning (docs/retention.md). */
export interface RetentionConfig {
  /** USAGE_RETENTION_DAYS: ledger rows older than this are pruned; 0 keeps them. */
  rawDays: number;
  /** USAGE_HOURLY_RETENTION_DAYS: hourly roll-ups older than this are pruned; 0 keeps them. */
  hourlyDays: number;
  /** USAGE_RETENTION_CRON; undefined when "off". */
  cron: string | undefined;
}

type ErrorOf = (variable: string, detail: string) => Error;

export function retentionConfigOf(raw: RawConfig, error: ErrorOf): RetentionConfig {
  const cron = raw.USAGE_RETENTION_CRON === 'off' ? undefined : raw.USAGE_RETENTION_CRON;
  if (cron !== undefined) {
    const parsed = parseCron(cron);
    if (typeof parsed === 'string') {
      throw error('USAGE_RETENTION_CRON', `${parsed}, or "off" (got ${JSON.stringify(cron)})`);
    }
  }
  return { rawDays: raw.USAGE_RETENTION_DAYS, hourlyDays: raw.USAGE_HOURLY_RETENTION_DAYS, cron };
}
