import { UpstreamTransportError } from '../errors.js';
import { MAX_TIMER_MS } from './timing.js';

/**
 * Wraps a response body for in-process callers: iteration throws `idle_timeout` when the next chunk
 * takes longer than `idleMs`, and however iteration ends (done, error, early break, timeout) the
 * request's controller is aborted so the simulator's timers are cleared, and `onEnd` runs once.
 */
export function withIdleTimeout(
  body: AsyncIterable<Buffer>,
  idleMs: number,
  controller: AbortController,
  onEnd: () => void,
): AsyncIterable<Buffer> {
  return {
    async *[Symbol.asyncIterator]() {
      const iterator = body[Symbol.asyncIterator]();
      try {
        for (;;) {
          const result = await withinIdle(iterator.next(), idleMs, controller);
          if (result.done) return;
          yield result.value;
        }
      } finally {
        onEnd();
        controller.abort();
        await iterator.return?.().catch(() => undefined);
      }
    },
  };
}

function withinIdle<T>(next: Promise<T>, idleMs: number, controller: AbortController): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => {
        next.catch(() => undefined);
        controller.abort();
        reject(
          new UpstreamTransportError('idle_timeout', `The mock upstream sent nothing for ${idleMs} ms.`),
        );
      },
      Math.min(idleMs, MAX_TIMER_MS),
    );
    next.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
