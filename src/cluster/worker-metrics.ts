import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import {
  registerClaudeCliMetrics,
  type ClaudeCliMetricsSource,
} from '../observability/claude-cli-metrics.js';

export interface WorkerMetricsSource {
  id: string;
  accounts: ReadonlyArray<{ name: string }>;
  /** Jobs running now. */
  inFlight(): number;
  claudeCli: ClaudeCliMetricsSource;
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
