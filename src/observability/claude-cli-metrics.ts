import { readFileSync } from 'node:fs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Prometheus series of the `claude` process pool (claude_cli accounts), read at scrape time.
 * Structural types, so observability does not depend on the upstream that feeds it.
 */
export interface ClaudeCliMetricsSource {
  pool: {
    stats(): {
      maxProcesses: number;
      processes: Record<string, number>;
      spawns: Record<string, number>;
      reuses: Record<string, number>;
      evictions: Record<string, number>;
      unexpectedExits: number;
      live: { pid: number }[];
    };
    /** Spawn-to-ready times (seconds) since the last call. */
    drainReadySamples(): number[];
  };
  /** Credential rejections (401, "Not logged in") per account. */
  authFailures: ReadonlyMap<string, number>;
}

const SPAWN_BUCKETS = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];

export function registerClaudeCliMetrics(registry: Registry, source: ClaudeCliMetricsSource): void {
  const registers = [registry];
  const { pool } = source;
  const counter = (name: string, help: string, label: string, read: () => Record<string, number>) =>
    new Counter({
      name,
      help,
      labelNames: [label],
      registers,
      collect() {
        this.reset();
        for (const [value, count] of Object.entries(read())) this.inc({ [label]: value }, count);
      },
    });
  new Gauge({
    name: 'switchyard_claude_cli_processes',
    help: 'Claude Code processes by state (starting, spare, idle, busy, stopping).',
    labelNames: ['state'],
    registers,
    collect() {
      this.reset();
      for (const [state, count] of Object.entries(pool.stats().processes)) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'switchyard_claude_cli_max_processes',
    help: 'CLAUDE_CLI_MAX_PROCESSES.',
    registers,
    collect() {
      this.set(pool.stats().maxProcesses);
    },
  });
  counter(
    'switchyard_claude_cli_spawns_total',
    'Claude Code processes started: cold (new conversation, no spare), resume (prior turns), spare.',
    'reason',
    () => pool.stats().spawns,
  );
  counter(
    'switchyard_claude_cli_reuses_total',
    'Turns served by a live process: conversation (its next turn) or spare.',
    'kind',
    () => pool.stats().reuses,
  );
  counter(
    'switchyard_claude_cli_evictions_total',
    'Idle processes stopped: idle (unused too long) or capacity (room for another).',
    'reason',
    () => pool.stats().evictions,
  );
  counter(
    'switchyard_claude_cli_unexpected_exits_total',
    'Claude Code processes that ended without being asked to.',
    'kind',
    () => ({ crash: pool.stats().unexpectedExits }),
  );
  counter(
    'switchyard_claude_cli_auth_failures_total',
    'Requests a claude_cli account could not serve because it is not logged in or its credentials were rejected.',
    'account',
    () => Object.fromEntries(source.authFailures),
  );
  new Histogram({
    name: 'switchyard_claude_cli_spawn_ready_seconds',
    help: 'Time from starting a Claude Code process to its answering the initialize request.',
    buckets: SPAWN_BUCKETS,
    registers,
    collect() {
      for (const seconds of pool.drainReadySamples()) this.observe(seconds);
    },
  });
  new Gauge({
    name: 'switchyard_claude_cli_rss_bytes',
    help: 'Resident memory of the live Claude Code processes: the largest one, and their sum.',
    labelNames: ['stat'],
    registers,
    collect() {
      let max = 0;
      let sum = 0;
      for (const { pid } of pool.stats().live) {
        const rss = residentBytes(pid);
        max = Math.max(max, rss);
        sum += rss;
      }
      this.set({ stat: 'max' }, max);
      this.set({ stat: 'sum' }, sum);
    },
  });
}

const PAGE_SIZE = 4096;

/** VmRSS from /proc (Linux); 0 where it cannot be read. */
function residentBytes(pid: number): number {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return Number.isFinite(pages) ? pages * PAGE_SIZE : 0;
  } catch {
    return 0;
  }
}
