import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { HotCounter, HotHistogram } from './hot-metrics.js';

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
const STATUS_TEXT = new Map<number, string>();
/** The status as a label value, without making a new string per request. */
function statusText(status: number): string {
  let text = STATUS_TEXT.get(status);
  if (text === undefined) STATUS_TEXT.set(status, (text = String(status)));
  return text;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Prometheus metrics. The request path's series are plain cells (see hot-metrics.ts), and pool
 * gauges are read at scrape time rather than updated per request.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: HotCounter;
  private readonly latency: HotHistogram;
  private readonly ttft: HotHistogram;
  private readonly tokens: HotCounter;
  private readonly upstreamErrors: HotCounter;
  readonly failovers: Counter;

  constructor(snapshot: () => PoolSnapshot) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'switchyard_process_' });
    this.requests = new HotCounter(
      'switchyard_requests_total',
      'Requests answered, by route, model, account and HTTP status.',
      ['route', 'model', 'account', 'status'],
      this.registry,
    );
    this.latency = new HotHistogram(
      'switchyard_request_duration_seconds',
      'Time from request to the last byte of the answer.',
      ['route', 'stream'],
      LATENCY_BUCKETS,
      this.registry,
    );
    this.ttft = new HotHistogram(
      'switchyard_time_to_first_token_seconds',
      'Time from request to the first byte of the upstream answer.',
      ['model'],
      LATENCY_BUCKETS,
      this.registry,
    );
    this.tokens = new HotCounter(
      'switchyard_tokens_total',
      'Tokens by model and type (input, output, cache_creation, cache_read).',
      ['model', 'type'],
      this.registry,
    );
    this.upstreamErrors = new HotCounter(
      'switchyard_upstream_errors_total',
      'Failed upstream attempts by account and error type.',
      ['account', 'type'],
      this.registry,
    );
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

  observeRequest(o: RequestObservation): void {
    this.requests.inc([o.route, o.model, o.account, statusText(o.status)]);
    this.latency.observe([o.route, o.stream ? 'true' : 'false'], o.latencySeconds);
    if (o.ttftSeconds !== undefined) this.ttft.observe([o.model], o.ttftSeconds);
    const { tokens } = o;
    if (tokens.input > 0) this.tokens.inc([o.model, 'input'], tokens.input);
    if (tokens.output > 0) this.tokens.inc([o.model, 'output'], tokens.output);
    if (tokens.cacheCreation > 0) this.tokens.inc([o.model, 'cache_creation'], tokens.cacheCreation);
    if (tokens.cacheRead > 0) this.tokens.inc([o.model, 'cache_read'], tokens.cacheRead);
  }

  upstreamError(account: string, type: string): void {
    this.upstreamErrors.inc([account, type]);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
