import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the gateway reports about one finished request. */
export interface RequestObservation {
  route: string;
  model: string;
  account: string;
  status: number;
  stream: boolean;
  latencySeconds: number;
  ttftSeconds: number | undefined;
  tokens: { input: number; output: number; cacheCreation: number; cacheRead: number };
}

export interface PoolSnapshot {
  accounts: ReadonlyArray<{
    name: string;
    kind: string;
    state: string;
    inFlight: number;
    maxConcurrency: number;
  }>;
  queueDepth: number;
  ledgerPending: number;
}

const ACCOUNT_STATES = ['active', 'cooling_down', 'needs_reauth', 'disabled'];
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Prometheus metrics. Labelled children are cached so the request path does no label hashing,
 * and pool gauges are read at scrape time rather than updated per request.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'model' | 'account' | 'status'>;
  private readonly latency: Histogram<'route' | 'stream'>;
  private readonly ttft: Histogram<'model'>;
  private readonly tokens: Counter<'model' | 'type'>;
  private readonly upstreamErrors: Counter<'account' | 'type'>;
  readonly failovers: Counter;
  private readonly counters = new Map<string, { inc(n?: number): void }>();
  private readonly histograms = new Map<string, { observe(v: number): void }>();

  constructor(snapshot: () => PoolSnapshot) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'switchyard_process_' });
    this.requests = new Counter({
      name: 'switchyard_requests_total',
      help: 'Requests answered, by route, model, account and HTTP status.',
      labelNames: ['route', 'model', 'account', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'switchyard_request_duration_seconds',
      help: 'Time from request to the last byte of the answer.',
      labelNames: ['route', 'stream'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.ttft = new Histogram({
      name: 'switchyard_time_to_first_token_seconds',
      help: 'Time from request to the first byte of the upstream answer.',
      labelNames: ['model'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.tokens = new Counter({
      name: 'switchyard_tokens_total',
      help: 'Tokens by model and type (input, output, cache_creation, cache_read).',
      labelNames: ['model', 'type'],
      registers,
    });
    this.upstreamErrors = new Counter({
      name: 'switchyard_upstream_errors_total',
      help: 'Failed upstream attempts by account and error type.',
      labelNames: ['account', 'type'],
      registers,
    });
    this.failovers = new Counter({
      name: 'switchyard_failovers_total',
      help: 'Attempts moved to another account before the first byte.',
      registers,
    });
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
      help: 'Requests in flight per account.',
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
      help: 'Requests waiting for a free account.',
      registers,
      collect() {
        this.set(snapshot().queueDepth);
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
  }

  private child(key: string, make: () => { inc(n?: number): void }) {
    let found = this.counters.get(key);
    if (!found) this.counters.set(key, (found = make()));
    return found;
  }

  private histogram(key: string, make: () => { observe(v: number): void }) {
    let found = this.histograms.get(key);
    if (!found) this.histograms.set(key, (found = make()));
    return found;
  }

  observeRequest(o: RequestObservation): void {
    const status = String(o.status);
    this.child(`r|${o.route}|${o.model}|${o.account}|${status}`, () =>
      this.requests.labels(o.route, o.model, o.account, status),
    ).inc();
    const stream = o.stream ? 'true' : 'false';
    this.histogram(`l|${o.route}|${stream}`, () => this.latency.labels(o.route, stream)).observe(
      o.latencySeconds,
    );
    if (o.ttftSeconds !== undefined) {
      this.histogram(`f|${o.model}`, () => this.ttft.labels(o.model)).observe(o.ttftSeconds);
    }
    this.addTokens(o.model, 'input', o.tokens.input);
    this.addTokens(o.model, 'output', o.tokens.output);
    this.addTokens(o.model, 'cache_creation', o.tokens.cacheCreation);
    this.addTokens(o.model, 'cache_read', o.tokens.cacheRead);
  }

  private addTokens(model: string, type: string, count: number): void {
    if (count > 0) this.child(`t|${model}|${type}`, () => this.tokens.labels(model, type)).inc(count);
  }

  upstreamError(account: string, type: string): void {
    this.child(`e|${account}|${type}`, () => this.upstreamErrors.labels(account, type)).inc();
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
