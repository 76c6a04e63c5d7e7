import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import {
  registerClaudeCliMetrics,
  type ClaudeCliMetricsSource,
} from '../observability/claude-cli-metrics.js';
import type { WorkerNode } from './worker-node.js';

export interface WorkerMetricsSource {
  id: string;
  accounts: ReadonlyArray<{ name: string }>;
  /** Jobs running now. */
  inFlight(): number;
  /** Jobs it runs at once in total. */
  capacity?: number;
  /** Jobs finished since start, by result (JobRunner.results). */
  results?: () => Readonly<Record<string, number>>;
  claudeCli: ClaudeCliMetricsSource;
}

/** The source of a running worker node's metrics (what `switchyard worker` serves). */
export function workerMetricsSourceOf(node: WorkerNode): WorkerMetricsSource {
  return {
    id: node.id,
    accounts: node.accounts,
    inFlight: () => node.runner.inFlight,
    capacity: node.capacity,
    results: () => node.runner.results,
    claudeCli: node.claudeCli,
  };
}

/**
 * What a worker tells Prometheus: its process, the jobs it runs, and its Claude Code process pool
 * (the same gauges a gateway serves for its own pool). Read at scrape time.
 */
export function workerMetricsRegistry(source: WorkerMetricsSource): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ worker: source.id });
  collectDefaultMetrics({ register: registry, prefix: 'switchyard_worker_process_' });
  new Gauge({
    name: 'switchyard_worker_jobs_in_flight',
    help: 'Jobs this worker is running.',
    registers: [registry],
    collect() {
      this.set(source.inFlight());
    },
  });
  new Gauge({
    name: 'switchyard_worker_capacity',
    help: 'Jobs this worker runs at once in total.',
    registers: [registry],
    collect() {
      this.set(source.capacity ?? 0);
    },
  });
  const results = source.results;
  if (results) {
    new Counter({
      name: 'switchyard_worker_jobs_total',
      help: 'Jobs finished, by result: answered, failed (an error entry), abandoned, redelivered, error.',
      labelNames: ['result'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [result, count] of Object.entries(results())) this.inc({ result }, count);
      },
    });
  }
  new Gauge({
    name: 'switchyard_worker_accounts',
    help: 'Accounts this worker holds (1 per account).',
    labelNames: ['account'],
    registers: [registry],
    collect() {
      this.reset();
      for (const account of source.accounts) this.set({ account: account.name }, 1);
    },
  });
  registerClaudeCliMetrics(registry, source.claudeCli);
  return registry;
}

/** GET /metrics (Prometheus text) and GET /health on the worker's metrics port; nothing else. */
export async function serveWorkerMetrics(registry: Registry, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
      );
      return;
    }
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
