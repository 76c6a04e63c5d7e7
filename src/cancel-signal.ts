/**
 * The part of AbortSignal that the request path uses. AbortSignal itself satisfies it, so callers
 * and tests may pass a real one; the gateway passes a Cancellation, which costs a fraction of an
 * AbortController (an EventTarget with its own bookkeeping) on every request.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** One request's cancellation: fires its listeners once, in the order they were added. */
export class Cancellation implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> | undefined;

  get signal(): CancelSignal {
    return this;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    // Like an EventTarget: listening after the fact hears nothing.
    if (!this.aborted) (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.listeners;
    if (!listeners) return;
    const at = listeners.indexOf(listener);
    if (at !== -1) listeners.splice(at, 1);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        // As for an EventTarget: one failing listener neither stops the others nor the caller.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

/** Waits `ms`, or rejects with `abortError()` as soon as the signal fires. */
export function sleepUnlessCancelled(
  ms: number,
  signal: CancelSignal,
  abortError: () => Error,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
