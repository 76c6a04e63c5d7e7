import { QueueFullError, type AdmissionQueue, type WaitResult } from './admission-queue.js';
import type { CancelSignal } from '../cancel-signal.js';

interface Waiter {
  settle: (result: WaitResult) => void;
}

/** FIFO of waiters in this process. Woken waiters run in arrival order (promise microtasks). */
export class InProcessAdmissionQueue implements AdmissionQueue {
  private waiters: Waiter[] = [];

  constructor(readonly maxDepth: number) {}

  get depth(): number {
    return this.waiters.length;
  }

  wait({ timeoutMs, signal }: { timeoutMs: number; signal: CancelSignal }): Promise<WaitResult> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.waiters.length >= this.maxDepth) return Promise.reject(new QueueFullError(this.waiters.length));
    return new Promise<WaitResult>((resolve, reject) => {
      const waiter: Waiter = {
        settle: (result) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      const remove = () => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
      };
      const timer = setTimeout(() => {
        remove();
        waiter.settle('timeout');
      }, timeoutMs);
      const onAbort = () => {
        clearTimeout(timer);
        remove();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  wakeAll(): void {
    if (this.waiters.length === 0) return;
    const woken = this.waiters;
    this.waiters = [];
    for (const waiter of woken) waiter.settle('woken');
  }
}
