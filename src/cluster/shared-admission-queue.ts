import type { CancelSignal } from '../cancel-signal.js';
import type { AdmissionQueue, WaitResult } from '../queue/admission-queue.js';
import { InProcessAdmissionQueue } from '../queue/in-process-admission-queue.js';

/**
 * A distributed gateway's wait queue. Requests wait here, in this process, but count in the
 * shared wait set in Redis (the scheduler's claim registers them, so the bound and the depth are
 * cluster-wide). They are woken by releases on this gateway, by other gateways' releases
 * (pub/sub, see RedisAccountState.subscribe) and, as a safety net, every `pollMs`: pub/sub
 * delivers at most once, and a lease that expires on a dead gateway announces nothing.
 */
export class SharedAdmissionQueue implements AdmissionQueue {
  /** Unbounded here: the claim script enforces the cluster-wide bound. */
  private readonly local = new InProcessAdmissionQueue(Number.MAX_SAFE_INTEGER);
  private lastWakeAt = 0;

  constructor(
    readonly maxDepth: number,
    private readonly clusterDepth: () => number,
    private readonly pollMs = 1_000,
  ) {}

  get depth(): number {
    return this.clusterDepth();
  }

  async wait({
    timeoutMs,
    signal,
    since,
  }: {
    timeoutMs: number;
    signal: CancelSignal;
    since?: number;
  }): Promise<WaitResult> {
    if (since !== undefined && this.lastWakeAt >= since) return 'woken';
    const slice = Math.min(timeoutMs, this.pollMs);
    const result = await this.local.wait({ timeoutMs: slice, signal });
    // The end of a slice is a poll, not the end of the wait.
    return result === 'timeout' && slice < timeoutMs ? 'woken' : result;
  }

  wakeAll(): void {
    this.lastWakeAt = Date.now();
    this.local.wakeAll();
  }
}
