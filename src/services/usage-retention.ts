/**
 * Usage retention (docs/retention.md): the ledger has one row per request, so under heavy traffic
 * it would grow without bound. Closed hours are rolled up into usage_hourly (and days into
 * usage_daily); ledger rows older than the retention are deleted, and so are hourly roll-ups
 * older than theirs. Before a period's rows go, its roll-ups are computed a last time in the same
 * transaction that moves the watermark readers go by, so budgets and reports stay exact.
 */
import type {
  AuditRepository,
  PrunableUsageTable,
  UsageRollupRepository,
  UsageTableSize,
  UsageWatermarks,
} from '../store/types.js';
import type { AuditContext } from './audit-context.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const floorTo = (time: number, step: number) => Math.floor(time / step) * step;
/** Ledger rows one roll-up transaction reads at most (unless one hour alone holds more). */
const CHUNK_ROWS = 50_000;

export interface RetentionPolicy {
  /** Ledger rows (the request log) are kept this many days; 0 keeps them for good. */
  rawDays: number;
  /** Hourly roll-ups are kept this many days; 0 keeps them for good. Daily ones are never pruned. */
  hourlyDays: number;
}

export interface RetentionOptions {
  /** Rows per delete statement: bounds each transaction's locks, WAL and memory. */
  batchRows?: number;
  /**
   * Hours before the last roll-up that are rolled up again, for ledger rows written late (a
   * gateway's buffer held through a database outage). Later ones still count: a period is
   * recomputed once more just before its rows are pruned.
   */
  lookbackHours?: number;
  /** Runs asked for by a person (API, command line) are recorded here. */
  audit?: AuditRepository;
  /** Told of every run's outcome (metrics, logs). */
  observe?: (outcome: RetentionOutcome) => void;
}

export type RetentionOutcome = { trigger: 'schedule' | 'manual' } & (
  { run: RetentionRun; error?: undefined } | { run?: undefined; error: unknown }
);

export interface RetentionRun {
  /** False when another gateway holds the lock (it is running the job). */
  ran: boolean;
  hoursRolledUp: number;
  rawPruned: number;
  hourlyPruned: number;
  ms: number;
}

export interface RetentionView {
  policy: RetentionPolicy;
  watermarks: {
    rolledThrough: string | null;
    rawPrunedBefore: string | null;
    hourlyPrunedBefore: string | null;
  };
  tables: UsageTableSize[];
}

export class UsageRetentionService {
  private readonly batchRows: number;
  private readonly lookbackMs: number;
  /** Runs in this process one after another (the schedule and a manual run may meet). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly rollups: UsageRollupRepository,
    readonly policy: RetentionPolicy,
    private readonly options: RetentionOptions = {},
  ) {
    this.batchRows = Math.max(1, options.batchRows ?? 5_000);
    this.lookbackMs = Math.max(0, options.lookbackHours ?? 3) * HOUR_MS;
  }

  /**
   * Rolls up, seals and prunes once, as of `now`. `holdMs`: on PostgreSQL the lock is kept at
   * least this long, so gateways whose schedules fire a few seconds apart run it once.
   */
  async run(
    now: Date = new Date(),
    holdMs = 0,
    trigger: 'schedule' | 'manual' = 'schedule',
  ): Promise<RetentionRun> {
    const started = performance.now();
    try {
      const turn = this.queue.then(() => this.rollups.exclusive(holdMs, () => this.runLocked(now.getTime())));
      this.queue = turn.catch(() => {});
      const outcome = await turn;
      const ms = Math.round(performance.now() - started);
      const run = outcome.ran
        ? { ran: true, ...outcome.value, ms }
        : { ran: false, hoursRolledUp: 0, rawPruned: 0, hourlyPruned: 0, ms };
      this.options.observe?.({ trigger, run });
      return run;
    } catch (error) {
      this.options.observe?.({ trigger, error });
      throw error;
    }
  }

  /** A run a person asked for: the same job, now, recorded in the audit log. */
  async runNow(context: AuditContext): Promise<RetentionRun> {
    const run = await this.run(new Date(), 0, 'manual');
    const actor = context.actor ?? { type: 'system', id: null };
    await this.options.audit?.append({
      actorType: actor.type,
      actorId: actor.id,
      action: 'usage.prune',
      targetType: 'usage',
      targetId: null,
      ip: context.ip ?? null,
      details: { ...run, policy: { ...this.policy } },
    });
    return run;
  }

  async status(): Promise<RetentionView> {
    const [marks, tables] = await Promise.all([this.rollups.watermarks(), this.rollups.sizes()]);
    const iso = (date: Date | null) => date?.toISOString() ?? null;
    return {
      policy: { ...this.policy },
      watermarks: {
        rolledThrough: iso(marks.rolledThrough),
        rawPrunedBefore: iso(marks.rawPrunedBefore),
        hourlyPrunedBefore: iso(marks.hourlyPrunedBefore),
      },
      tables,
    };
  }

  private async runLocked(now: number) {
    let hoursRolledUp = 0;
    let rawPruned = 0;
    let hourlyPruned = 0;
    let marks = await this.rollups.watermarks();
    const time = (date: Date | null) => date?.getTime() ?? null;

    // 1. Ledger rows past their retention: their hours are recomputed a last time as the
    // watermark moves past them, then the rows are deleted in batches.
    if (this.policy.rawDays > 0) {
      const target = floorTo(now - this.policy.rawDays * DAY_MS, HOUR_MS);
      const from = time(marks.rawPrunedBefore) ?? time(await this.rollups.oldestHour('usage')) ?? target;
      hoursRolledUp += await this.rollHours(from, target, (end) => ({
        rawPrunedBefore: end,
        rolledThrough: end,
      }));
      rawPruned = await this.pruneAll('usage');
      marks = await this.rollups.watermarks();
    }

    // 2. Closed hours since the last run, and a few before it for rows written late.
    const keptFrom = Math.max(
      time(marks.rawPrunedBefore) ?? -Infinity,
      time(marks.hourlyPrunedBefore) ?? -Infinity,
    );
    const rolled = time(marks.rolledThrough);
    const from =
      rolled !== null
        ? Math.max(rolled - this.lookbackMs, keptFrom)
        : Math.max(keptFrom, time(await this.rollups.oldestHour('usage')) ?? floorTo(now, HOUR_MS));
    hoursRolledUp += await this.rollHours(from, floorTo(now, HOUR_MS), (end) => ({ rolledThrough: end }));

    // 3. Hourly roll-ups past theirs: each day's daily roll-up is recomputed a last time as the
    // watermark moves past it, then the hourly rows are deleted. Only days already rolled up.
    if (this.policy.hourlyDays > 0) {
      marks = await this.rollups.watermarks();
      const rolledDays = floorTo(time(marks.rolledThrough) ?? -Infinity, DAY_MS);
      const target = Math.min(floorTo(now - this.policy.hourlyDays * DAY_MS, DAY_MS), rolledDays);
      const oldest = time(marks.hourlyPrunedBefore) ?? time(await this.rollups.oldestHour('usage_hourly'));
      for (let day = floorTo(oldest ?? target, DAY_MS); day < target;) {
        const end = new Date(day + DAY_MS);
        await this.rollups.rollUp(new Date(day), end, { hourlyPrunedBefore: end });
        // Days without hourly rows have nothing to seal: on to the next day that has some.
        const next = (await this.rollups.oldestHour('usage_hourly', end))?.getTime() ?? target;
        day = Math.max(end.getTime(), floorTo(next, DAY_MS));
      }
      if (target > (oldest ?? target)) {
        await this.rollups.rollUp(new Date(target), new Date(target), {
          hourlyPrunedBefore: new Date(target),
        });
      }
      hourlyPruned = await this.pruneAll('usage_hourly');
    }

    const pruned: PrunableUsageTable[] = [];
    if (rawPruned > 0) pruned.push('usage');
    if (hourlyPruned > 0) pruned.push('usage_hourly');
    if (pruned.length > 0) await this.rollups.vacuum(pruned);
    return { hoursRolledUp, rawPruned, hourlyPruned };
  }

  /**
   * Rolls up the hours of [from, to), raising the watermarks `raise` names as it goes: one
   * transaction per stretch of about CHUNK_ROWS ledger rows (at least an hour), skipping hours
   * without rows. Returns the hours rolled up.
   */
  private async rollHours(
    from: number,
    to: number,
    raise: (end: Date) => Partial<Record<keyof UsageWatermarks, Date>>,
  ): Promise<number> {
    let hours = 0;
    let hour = floorTo(from, HOUR_MS);
    while (hour < to) {
      const chunk = await this.rollups.ledgerChunk(new Date(hour), CHUNK_ROWS);
      const start = chunk?.start.getTime();
      if (chunk === null || start === undefined || start >= to) break;
      const end = Math.min(to, Math.max(start + HOUR_MS, chunk.cut?.getTime() ?? to));
      await this.rollups.rollUp(new Date(start), new Date(end), raise(new Date(end)));
      hours += (end - start) / HOUR_MS;
      hour = end;
    }
    // The watermarks reach `to` even across hours that had nothing to roll up.
    if (to > from) await this.rollups.rollUp(new Date(to), new Date(to), raise(new Date(to)));
    return hours;
  }

  private async pruneAll(table: PrunableUsageTable): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.rollups.pruneBatch(table, this.batchRows);
      total += deleted;
      if (deleted < this.batchRows) return total;
    }
  }
}
