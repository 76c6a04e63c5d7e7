import { Gauge, type Registry } from 'prom-client';

/** One key's or user's row in the usage gauges. */
export interface OwnerUsage {
  scope: 'key' | 'user';
  id: string;
  /** The key's name or the username; empty once deleted. */
  name: string;
  usd: number;
  tokens: number;
}

export type BudgetName = 'usd_per_day' | 'usd_per_month' | 'tokens_per_day' | 'tokens_per_month';

export interface BudgetUse {
  scope: 'key' | 'user';
  id: string;
  name: string;
  budget: BudgetName;
  /** Spent over the budget: 1 means spent, requests are refused. */
  ratio: number;
}

export interface UsageSnapshot {
  today: readonly OwnerUsage[];
  budgets: readonly BudgetUse[];
  /** How long reading the ledger took. */
  seconds: number;
}

/**
 * Per-key and per-user spend and budget use. These would be unbounded label sets if counted per
 * request, so they are gauges set from the ledger every METRICS_USAGE_INTERVAL_MS for the top
 * METRICS_USAGE_TOP keys and users (services/usage-gauges.ts); nothing on the request path.
 * Every gateway reports the same cluster-wide values: aggregate them with max, not sum.
 */
export class UsageMetrics {
  private readonly usd: Gauge;
  private readonly tokens: Gauge;
  private readonly budget: Gauge;
  private readonly refreshedAt: Gauge;
  private readonly refreshSeconds: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ['scope', 'id', 'name'];
    this.usd = new Gauge({
      name: 'switchyard_usage_today_usd',
      help: 'Spend today (UTC) in USD of the top keys and users by spend (scope key or user).',
      labelNames,
      registers,
    });
    this.tokens = new Gauge({
      name: 'switchyard_usage_today_tokens',
      help: 'Tokens today (UTC; input, cache writes and output) of the same keys and users.',
      labelNames,
      registers,
    });
    this.budget = new Gauge({
      name: 'switchyard_budget_used_ratio',
      help: 'Budget spent so far in its period (1: spent, requests refused), for the keys and users nearest their budgets.',
      labelNames: [...labelNames, 'budget'],
      registers,
    });
    this.refreshedAt = new Gauge({
      name: 'switchyard_usage_gauges_refreshed_timestamp_seconds',
      help: 'When the usage and budget gauges were last read from the ledger.',
      registers,
    });
    this.refreshSeconds = new Gauge({
      name: 'switchyard_usage_gauges_refresh_seconds',
      help: 'How long the last read of the usage and budget gauges took.',
      registers,
    });
  }

  publish(snapshot: UsageSnapshot, at = Date.now()): void {
    this.usd.reset();
    this.tokens.reset();
    for (const o of snapshot.today) {
      const labels = { scope: o.scope, id: o.id, name: o.name };
      this.usd.set(labels, o.usd);
      this.tokens.set(labels, o.tokens);
    }
    this.budget.reset();
    for (const b of snapshot.budgets) {
      this.budget.set({ scope: b.scope, id: b.id, name: b.name, budget: b.budget }, b.ratio);
    }
    this.refreshedAt.set(at / 1000);
    this.refreshSeconds.set(snapshot.seconds);
  }
}
