/**
 * When the socket came back but an answer could not be resumed (it ran on another gateway, or its
 * events were no longer kept), the answer still ends on the server and is stored there. This reloads
 * the stored conversation now and a few times over the next ~40 s (the server stops an answer
 * nobody follows after its grace period, 30 s by default), skipping a reload while an answer streams.
 */
import { useCallback, useEffect, useRef } from 'react';

const RELOAD_AFTER_MS = [0, 5_000, 15_000, 40_000];

export function useResumeRecovery(reload: () => void, streaming: boolean): () => void {
  const timers = useRef<number[]>([]);
  const busy = useRef(streaming);
  busy.current = streaming;
  useEffect(() => () => timers.current.forEach((timer) => window.clearTimeout(timer)), []);
  return useCallback(() => {
    for (const ms of RELOAD_AFTER_MS) {
      timers.current.push(
        window.setTimeout(() => {
          if (!busy.current) reload();
        }, ms),
      );
    }
  }, [reload]);
}
