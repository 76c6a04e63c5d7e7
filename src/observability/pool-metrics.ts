import { Counter, Gauge, type Registry } from 'prom-client';

/** What the pool looks like at scrape time. */
export interface PoolSnapshot {
  accounts: ReadonlyArray<{
    name: string;
    kind: string;
    state: string;
    inFlight: number;
    maxConcurrency: number;
  }>;
  queueDepth: number;
  /** QUEUE_MAX_DEPTH: with the depth, how close the wait queue is to refusing requests. */
  queueMaxDepth?: number;
  ledgerPending: number;
  /** Usage rows given up on since start: the buffer overflowed, or the database refused the row. */
  ledgerDropped?: number;
}

/** Accounts of one model in one state (models with no usable or recoverable account left out). */
export interface ModelAccountCount {
  model: string;
  state: string;
  accounts: number;
}

export const ACCOUNT_STATES = ['active', 'cooling_down', 'needs_reauth', 'disabled'] as const;

/**
 * Gauges read from the pool when Prometheus scrapes, never updated per request. Label sets are
 * bounded by the accounts and catalogue models an admin configured.
 */
export function registerPoolMetrics(
  registry: Registry,
  snapshot: () => PoolSnapshot,
  modelAccounts?: () => Iterable<ModelAccountCount>,
): void {
  const registers = [registry];
  new Gauge({
    name: 'switchyard_account_state',
    help: 'Account state (1 for the current state).',
    labelNames: ['account', 'kind', 'state'],
    registers,
    collect() {
      this.reset();
      for (const a of snapshot().accounts) {
        for (const state of ACCOUNT_STATES)
          this.set({ account: a.name, kind: a.kind, state }, a.state === state ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'switchyard_account_in_flight',
    help: 'Requests in flight per account (on this gateway).',
    labelNames: ['account'],
    registers,
    collect() {
      this.reset();
      for (const a of snapshot().accounts) this.set({ account: a.name }, a.inFlight);
    },
  });
  new Gauge({
    name: 'switchyard_account_max_concurrency',
    help: 'Configured concurrency limit per account.',
    labelNames: ['account'],
    registers,
    collect() {
      this.reset();
      for (const a of snapshot().accounts) this.set({ account: a.name }, a.maxConcurrency);
    },
  });
  new Gauge({
    name: 'switchyard_queue_depth',
    help: 'Requests waiting for a free account (cluster-wide in distributed mode).',
    registers,
    collect() {
      this.set(snapshot().queueDepth);
    },
  });
  new Gauge({
    name: 'switchyard_queue_max_depth',
    help: 'QUEUE_MAX_DEPTH: requests beyond it are refused at once.',
    registers,
    collect() {
      this.set(snapshot().queueMaxDepth ?? 0);
    },
  });
  new Gauge({
    name: 'switchyard_usage_ledger_pending',
    help: 'Usage rows buffered and not yet written.',
    registers,
    collect() {
      this.set(snapshot().ledgerPending);
    },
  });
  let droppedSeen = 0;
  new Counter({
    name: 'switchyard_usage_ledger_dropped_total',
    help: 'Usage rows dropped: the buffer overflowed while the database was away, or the database refused the row.',
    registers,
    collect() {
      const dropped = snapshot().ledgerDropped ?? 0;
      if (dropped > droppedSeen) this.inc(dropped - droppedSeen);
      droppedSeen = dropped;
    },
  });
  if (modelAccounts === undefined) return;
  new Gauge({
    name: 'switchyard_model_accounts',
    help: 'Accounts serving each catalogue model, by account state.',
    labelNames: ['model', 'state'],
    registers,
    collect() {
      this.reset();
      for (const { model, state, accounts } of modelAccounts()) this.set({ model, state }, accounts);
    },
  });
}
