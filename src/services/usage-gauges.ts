import { periodOf } from '../gateway/limits/limit-plan.js';
import type { KeyLimits } from '../identity/key-limits.js';
import type { Logger } from '../observability/logger.js';
import type { BudgetName, BudgetUse, OwnerUsage, UsageMetrics } from '../observability/usage-metrics.js';
import type { OwnerSpend, Store } from '../store/types.js';

const BUDGETS: ReadonlyArray<{
  name: BudgetName;
  limit: keyof KeyLimits;
  unit: 'usd' | 'tokens';
  period: 'day' | 'month';
}> = [
  { name: 'usd_per_day', limit: 'usdPerDay', unit: 'usd', period: 'day' },
  { name: 'usd_per_month', limit: 'usdPerMonth', unit: 'usd', period: 'month' },
  { name: 'tokens_per_day', limit: 'tokensPerDay', unit: 'tokens', period: 'day' },
  { name: 'tokens_per_month', limit: 'tokensPerMonth', unit: 'tokens', period: 'month' },
];

interface Owner {
  scope: 'key' | 'user';
  id: string;
  name: string;
  limits: KeyLimits;
}

export interface UsageGaugesOptions {
  intervalMs: number;
  top: number;
}

/**
 * Reads per-key and per-user spend from the ledger on a timer and publishes it as gauges: the top
 * spenders today, and budget use of the keys and users with budgets (what the "budget nearly
 * spent" alert reads). Spend is what the ledger holds, as budgets are seeded from it; rows still
 * buffered in a gateway's ledger arrive within USAGE_FLUSH_INTERVAL_MS.
 */
export class UsageGauges {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<Store, 'usageReports' | 'apiKeys' | 'users'>,
    private readonly metrics: UsageMetrics,
    private readonly logger: Logger,
    private readonly options: UsageGaugesOptions,
  ) {}

  start(): void {
    if (this.options.intervalMs <= 0 || this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Reads and publishes now (one read at a time); failures are logged, the gauges kept. */
  refresh(now = Date.now()): Promise<void> {
    this.running ??= this.read(now)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not refresh the usage gauges'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async read(now: number): Promise<void> {
    const started = performance.now();
    const day = new Date(periodOf('day', now).since);
    const { usageReports } = this.store;
    const [keys, users, topKeys, topUsers] = await Promise.all([
      this.store.apiKeys.list(),
      this.store.users.list(),
      usageReports.spendByOwner({ scope: 'key', since: day, limit: this.options.top }),
      usageReports.spendByOwner({ scope: 'user', since: day, limit: this.options.top }),
    ]);
    const owners: Owner[] = [
      ...keys
        .filter((k) => k.revokedAt === null && (k.expiresAt === null || k.expiresAt.getTime() > now))
        .map((k) => ({ scope: 'key' as const, id: k.id, name: k.name, limits: k.limits })),
      ...users
        .filter((u) => u.disabledAt === null)
        .map((u) => ({ scope: 'user' as const, id: u.id, name: u.username, limits: u.limits })),
    ];
    const budgets = await this.budgetUse(owners, now);
    const today: OwnerUsage[] = [
      ...topKeys.map((row) => usageOf('key', row)),
      ...topUsers.map((row) => usageOf('user', row)),
    ];
    this.metrics.publish({ today, budgets, seconds: (performance.now() - started) / 1000 }, now);
  }

  private async budgetUse(owners: readonly Owner[], now: number): Promise<BudgetUse[]> {
    const uses: BudgetUse[] = [];
    for (const scope of ['key', 'user'] as const) {
      const scoped = owners.filter((o) => o.scope === scope);
      for (const period of ['day', 'month'] as const) {
        const budgets = BUDGETS.filter((b) => b.period === period);
        const budgeted = scoped.filter((o) => budgets.some((b) => o.limits[b.limit] !== undefined));
        if (budgeted.length === 0) continue;
        const spent = await this.store.usageReports.spendByOwner({
          scope,
          since: new Date(periodOf(period, now).since),
          ids: budgeted.map((o) => o.id),
          limit: budgeted.length,
        });
        const byId = new Map(spent.map((row) => [row.id, row]));
        const found: BudgetUse[] = [];
        for (const owner of budgeted) {
          for (const budget of budgets) {
            const limit = owner.limits[budget.limit];
            if (limit === undefined) continue;
            const row = byId.get(owner.id);
            const used = row === undefined ? 0 : budget.unit === 'usd' ? row.usd : row.tokens;
            found.push({ scope, id: owner.id, name: owner.name, budget: budget.name, ratio: used / limit });
          }
        }
        uses.push(...found);
      }
    }
    // The fullest budgets first: what an alert needs is never cut off by quiet ones.
    const top = (scope: 'key' | 'user') =>
      uses
        .filter((u) => u.scope === scope)
        .sort((a, b) => b.ratio - a.ratio)
        .slice(0, this.options.top);
    return [...top('key'), ...top('user')];
  }
}

function usageOf(scope: 'key' | 'user', row: OwnerSpend): OwnerUsage {
  return { scope, id: row.id, name: row.name ?? '', usd: row.usd, tokens: row.tokens };
}
