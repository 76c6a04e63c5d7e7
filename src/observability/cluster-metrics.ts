import { Gauge, type Registry } from 'prom-client';

/** What a distributed gateway last read from the worker registry (structural: no cluster import). */
export interface ClusterMetricsSource {
  workers(): ReadonlyArray<{
    id: string;
    status: 'live' | 'lost';
    /** ms since epoch, on the registry's clock (Redis). */
    lastSeenAt: number;
    accounts: readonly string[];
    capacity: number;
  }>;
}

/**
 * Worker health as a gateway sees it (from the registry it polls every second), read at scrape
 * time. A worker's own /metrics cannot say it is gone; these can, for as long as the registry
 * remembers the lost worker (WORKER_FORGET_AFTER_MS).
 */
export function registerClusterMetrics(registry: Registry, source: ClusterMetricsSource): void {
  const registers = [registry];
  new Gauge({
    name: 'switchyard_cluster_workers',
    help: 'Workers in the registry by status: live (heartbeating) or lost (silent past WORKER_LOST_AFTER_MS).',
    labelNames: ['status'],
    registers,
    collect() {
      let live = 0;
      let lost = 0;
      for (const worker of source.workers()) {
        if (worker.status === 'live') live += 1;
        else lost += 1;
      }
      this.set({ status: 'live' }, live);
      this.set({ status: 'lost' }, lost);
    },
  });
  new Gauge({
    name: 'switchyard_cluster_worker_up',
    help: 'Per worker in the registry: 1 while it heartbeats, 0 once lost.',
    labelNames: ['worker'],
    registers,
    collect() {
      this.reset();
      for (const w of source.workers()) this.set({ worker: w.id }, w.status === 'live' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'switchyard_cluster_worker_last_heartbeat_timestamp_seconds',
    help: "Per worker: when its last heartbeat arrived (the registry's clock).",
    labelNames: ['worker'],
    registers,
    collect() {
      this.reset();
      for (const w of source.workers()) this.set({ worker: w.id }, w.lastSeenAt / 1000);
    },
  });
  new Gauge({
    name: 'switchyard_cluster_worker_accounts',
    help: 'Per worker: accounts it announced it holds.',
    labelNames: ['worker'],
    registers,
    collect() {
      this.reset();
      for (const w of source.workers()) this.set({ worker: w.id }, w.accounts.length);
    },
  });
  new Gauge({
    name: 'switchyard_cluster_worker_capacity',
    help: 'Per worker: jobs it runs at once.',
    labelNames: ['worker'],
    registers,
    collect() {
      this.reset();
      for (const w of source.workers()) this.set({ worker: w.id }, w.capacity);
    },
  });
}
