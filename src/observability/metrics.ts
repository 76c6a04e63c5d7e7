import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { ANTHROPIC_ERROR_TYPES } from '../errors.js';
import { HotCounter, HotHistogram } from './hot-metrics.js';
import { registerPoolMetrics, type ModelAccountCount, type PoolSnapshot } from './pool-metrics.js';

export type { ModelAccountCount, PoolSnapshot } from './pool-metrics.js';

/** What the gateway reports about one finished request. */
export interface RequestObservation {
  route: string;
  model: string;
  account: string;
  status: number;
  stream: boolean;
  latencySeconds: number;
  ttftSeconds: number | undefined;
  /** The error type of a failed request (client_closed for 499); undefined when it succeeded. */
  errorType: string | undefined;
  tokens: { input: number; output: number; cacheCreation: number; cacheRead: number };
}

const STATUS_TEXT = new Map<number, string>();
/** The status as a label value, without making a new string per request. */
function statusText(status: number): string {
  let text = STATUS_TEXT.get(status);
  if (text === undefined) STATUS_TEXT.set(status, (text = String(status)));
  return text;
}

const ERROR_TYPES = new Set<string>([...ANTHROPIC_ERROR_TYPES, 'client_closed']);
const UPSTREAM_STATUS = /^upstream_[45]\d\d$/;

/** Error types read from upstream events are strings anyone could send: the label set stays bounded. */
function errorLabel(type: string): string {
  return ERROR_TYPES.has(type) || UPSTREAM_STATUS.test(type) ? type : 'other';
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const QUEUE_WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];

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
  private readonly requestErrors: HotCounter;
  private readonly queueWait: HotHistogram;
  readonly failovers: Counter;

  constructor(
    snapshot: () => PoolSnapshot,
    sources: { modelAccounts?: () => Iterable<ModelAccountCount> } = {},
  ) {
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
    this.requestErrors = new HotCounter(
      'switchyard_request_errors_total',
      'Requests that failed, by route and error type (the Anthropic error type; client_closed for 499).',
      ['route', 'type'],
      this.registry,
    );
    this.queueWait = new HotHistogram(
      'switchyard_queue_wait_seconds',
      'Time requests that had to wait spent in the wait queue, by result (leased an account, or gave_up: timed out, queue full, client gone).',
      ['result'],
      QUEUE_WAIT_BUCKETS,
      this.registry,
    );
    this.failovers = new Counter({
      name: 'switchyard_failovers_total',
      help: 'Attempts moved to another account before the first byte.',
      registers,
    });
    registerPoolMetrics(this.registry, snapshot, sources.modelAccounts);
  }

  observeRequest(o: RequestObservation): void {
    this.requests.inc([o.route, o.model, o.account, statusText(o.status)]);
    this.latency.observe([o.route, o.stream ? 'true' : 'false'], o.latencySeconds);
    if (o.ttftSeconds !== undefined) this.ttft.observe([o.model], o.ttftSeconds);
    if (o.errorType !== undefined) this.requestErrors.inc([o.route, errorLabel(o.errorType)]);
    const { tokens } = o;
    if (tokens.input > 0) this.tokens.inc([o.model, 'input'], tokens.input);
    if (tokens.output > 0) this.tokens.inc([o.model, 'output'], tokens.output);
    if (tokens.cacheCreation > 0) this.tokens.inc([o.model, 'cache_creation'], tokens.cacheCreation);
    if (tokens.cacheRead > 0) this.tokens.inc([o.model, 'cache_read'], tokens.cacheRead);
  }

  /** Only requests that waited are observed: most never do, and pay nothing for this. */
  observeQueueWait(seconds: number, leased: boolean): void {
    this.queueWait.observe([leased ? 'leased' : 'gave_up'], seconds);
  }

  upstreamError(account: string, type: string): void {
    this.upstreamErrors.inc([account, type]);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
