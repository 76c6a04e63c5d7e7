/**
 * What GET /ready reports: each dependency the gateway needs, probed with a short timeout, the
 * result cached for a second so load balancers and orchestrators probing every few hundred
 * milliseconds from many places cost one probe per dependency per second. A required dependency
 * down makes the gateway unready (503); an optional one (the read replica) only degraded (200).
 */
import type { QueueParts } from '../cluster/queue-parts.js';
import type { Store } from '../store/types.js';

/** A dependency slower than this to answer is as good as down. */
const PROBE_TIMEOUT_MS = 1_000;
/** Probes closer together than this share one result. */
const CACHE_MS = 1_000;

export interface ReadinessCheck {
  name: string;
  /** Down: not ready (503). Optional: degraded, still ready. */
  required: boolean;
  probe(): Promise<void>;
}

export type DependencyState = 'ok' | 'unreachable';

export interface ReadinessReport {
  ready: boolean;
  body: { status: 'ready' | 'degraded' | 'not_ready' } & Record<string, DependencyState | string>;
}

export class Readiness {
  private cached: { at: number; report: Promise<ReadinessReport> } | undefined;

  constructor(
    private readonly checks: readonly ReadinessCheck[],
    private readonly now: () => number = Date.now,
  ) {}

  report(): Promise<ReadinessReport> {
    const at = this.now();
    if (this.cached && at - this.cached.at < CACHE_MS) return this.cached.report;
    const report = this.probeAll();
    this.cached = { at, report };
    return report;
  }

  private async probeAll(): Promise<ReadinessReport> {
    const states = await Promise.all(this.checks.map((check) => probeWithTimeout(check)));
    let ready = true;
    let degraded = false;
    const body: ReadinessReport['body'] = { status: 'ready' };
    this.checks.forEach((check, index) => {
      const state = states[index]!;
      body[check.name] = state;
      if (state === 'ok') return;
      if (check.required) ready = false;
      else degraded = true;
    });
    body.status = !ready ? 'not_ready' : degraded ? 'degraded' : 'ready';
    return { ready, body };
  }
}

async function probeWithTimeout(check: ReadinessCheck): Promise<DependencyState> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch {
    return 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

/** The checks of a gateway: its database, its read replica if any, Redis in distributed mode. */
export function gatewayReadiness(store: Store, parts: QueueParts | undefined): Readiness {
  const checks: ReadinessCheck[] = [{ name: 'database', required: true, probe: () => store.ping() }];
  const replica = store.replica;
  if (replica) checks.push({ name: 'replica', required: false, probe: () => replica.ping() });
  const redis = parts?.ping;
  if (redis) checks.push({ name: 'redis', required: true, probe: redis });
  return new Readiness(checks);
}
