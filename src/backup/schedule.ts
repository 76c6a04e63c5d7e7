import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BackupConfig } from '../config/index.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../store/types.js';
import { ADVISORY_LOCK_KEYS } from '../store/advisory-lock.js';
import { createBackup, type BackupResult } from './backup.js';
import { parseCron } from './cron.js';
import { CronTimer } from './cron-timer.js';

const FILE_PATTERN = /^switchyard-\d{8}T\d{6}Z\.sybak$/;
// Distinct from the migration lock (0x5357_5944): gateways taking a backup never hold up a migration.
const BACKUP_LOCK_KEY = ADVISORY_LOCK_KEYS.backup;
// Longer than any plausible clock skew between gateways, shorter than the finest cron step.
const LOCK_HOLD_MS = 30_000;

export const backupFileName = (at: Date) =>
  `switchyard-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}.sybak`;

/** Deletes the oldest scheduled archives beyond `keep`; other files in the directory are left alone. */
export async function pruneBackups(dir: string, keep: number): Promise<string[]> {
  const names = (await readdir(dir)).filter((name) => FILE_PATTERN.test(name)).sort();
  const doomed = names.slice(0, Math.max(0, names.length - keep));
  for (const name of doomed) await rm(path.join(dir, name), { force: true });
  return doomed;
}

export interface BackupScheduleOptions {
  /** Distributed gateways: take the PostgreSQL advisory lock so one gateway backs up per slot. */
  distributed: boolean;
  registry?: Registry;
}

/** BACKUP_CRON in a running gateway: archives into BACKUP_DIR, keeps the newest BACKUP_KEEP. */
export class BackupSchedule {
  private readonly timer: CronTimer;
  private readonly runs: Counter<'result'> | undefined;
  private readonly lastSuccess: Gauge | undefined;

  constructor(
    private readonly config: BackupConfig & { cron: string },
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly options: BackupScheduleOptions,
  ) {
    const schedule = parseCron(config.cron);
    if (typeof schedule === 'string') throw new Error(`BACKUP_CRON ${schedule}`);
    this.timer = new CronTimer(schedule, (at) => this.runOnce(at));
    const registers = options.registry ? [options.registry] : [];
    this.runs = options.registry
      ? new Counter({
          name: 'switchyard_backups_total',
          help: 'Scheduled backups by result (written, skipped: another gateway took it, failed).',
          labelNames: ['result'],
          registers,
        })
      : undefined;
    this.lastSuccess = options.registry
      ? new Gauge({
          name: 'switchyard_backup_last_success_timestamp_seconds',
          help: 'When the last scheduled backup was written.',
          registers,
        })
      : undefined;
  }

  start(): void {
    this.timer.start();
  }

  /** Takes one backup now, as a scheduled run would (tests call it; the timer does too). */
  async runOnce(now = new Date()): Promise<BackupResult | undefined> {
    const file = path.join(this.config.dir, backupFileName(now));
    try {
      const result = await createBackup(this.store, file, {
        ...(this.config.passphrase !== undefined ? { passphrase: this.config.passphrase } : {}),
        ...(this.options.distributed ? { lock: { key: BACKUP_LOCK_KEY, holdMs: LOCK_HOLD_MS } } : {}),
      });
      if (!result) {
        this.runs?.inc({ result: 'skipped' });
        this.logger.info({ file }, 'scheduled backup skipped: another gateway is taking it');
        return undefined;
      }
      const pruned = await pruneBackups(this.config.dir, this.config.keep);
      this.runs?.inc({ result: 'written' });
      this.lastSuccess?.set(Date.now() / 1000);
      this.logger.info(
        {
          file,
          bytes: result.bytes,
          rows: result.rows,
          ms: result.ms,
          pruned: pruned.length,
          encrypted: this.config.passphrase !== undefined,
        },
        'scheduled backup written',
      );
      return result;
    } catch (error) {
      this.runs?.inc({ result: 'failed' });
      this.logger.error({ err: error, file }, 'scheduled backup failed');
      throw error;
    }
  }

  /** Stops planning runs and waits for one under way. */
  stop(): Promise<void> {
    return this.timer.stop();
  }
}
