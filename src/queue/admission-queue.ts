import type { CancelSignal } from '../cancel-signal.js';

/**
 * Where a request waits when every suitable account is at capacity (or cooling down briefly),
 * instead of getting an instant 429. The in-process implementation serves embedded mode; the
 * distributed mode will bring one that every gateway shares.
 */
export type WaitResult = 'woken' | 'timeout';

export interface AdmissionQueue {
  /**
   * Waits until capacity may be free, the time is up, or the signal aborts (rejects with the
   * signal's reason). Throws QueueFullError at once when the queue is full.
   */
  wait(options: { timeoutMs: number; signal: CancelSignal }): Promise<WaitResult>;
  /** Capacity may be free: every waiter retries, in arrival order. */
  wakeAll(): void;
  readonly depth: number;
  readonly maxDepth: number;
}

export class QueueFullError extends Error {
  constructor(readonly depth: number) {
    super(`The wait queue is full (${depth} requests waiting).`);
    this.name = 'QueueFullError';
  }
}
