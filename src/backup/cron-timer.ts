/**
 * Runs a job at each time a cron schedule names, one run at a time, in a running gateway: scheduled
 * backups (BACKUP_CRON) and usage roll-up and pruning (USAGE_RETENTION_CRON) share it. Runs that
 * throw are the job's to report; the timer just plans the next one.
 */
import { nextRun, type CronSchedule } from './cron.js';

// setTimeout takes at most ~24.8 days; re-planning hourly also follows clock changes.
const MAX_SLEEP_MS = 3_600_000;

export class CronTimer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly schedule: CronSchedule,
    /** Called with the planned time of the run. */
    private readonly run: (at: Date) => Promise<unknown>,
  ) {}

  start(): void {
    this.plan();
  }

  /** Stops planning runs and waits for one under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => {});
  }

  private plan(): void {
    if (this.stopped) return;
    const next = nextRun(this.schedule, new Date());
    if (!next) return;
    const wait = next.getTime() - Date.now();
    this.timer = setTimeout(
      () => {
        if (wait > MAX_SLEEP_MS) return this.plan();
        this.running = this.run(next).catch(() => {});
        void this.running.finally(() => this.plan());
      },
      Math.min(wait, MAX_SLEEP_MS),
    );
    this.timer.unref();
  }
}
