import { UpstreamTransportError } from '../errors.js';

/** Abortable waits. No timer is made for a zero wait, and none at all for an endless one. */
export function abortedError(): UpstreamTransportError {
  return new UpstreamTransportError('aborted', 'The request to the mock upstream was aborted.');
}

/** The longest delay setTimeout honours (longer ones fire after 1 ms). */
export const MAX_TIMER_MS = 2_147_483_647;

/** Resolves after `ms` (never, for Infinity); rejects with an `aborted` error when the signal fires. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortedError());
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError());
    };
    const timer =
      ms === Infinity
        ? undefined
        : setTimeout(
            () => {
              signal.removeEventListener('abort', onAbort);
              resolve();
            },
            Math.min(ms, MAX_TIMER_MS),
          );
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
