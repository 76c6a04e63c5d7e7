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
   * signal's reason). Throws QueueFullError at once when the queue is full. `since` (ms since
   * epoch): when the caller last found every account busy; a queue whose wakes can arrive while
   * the caller is between that check and this call (a shared one) returns 'woken' at once if one
   * did. The in-process queue has no such gap and ignores it.
   */
  wait(options: { timeoutMs: number; signal: CancelSignal; since?: number }): Promise<WaitResult>;
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
