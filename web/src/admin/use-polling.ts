import { useEffect, useRef, useState } from 'react';
import type { Resource } from '../api/use-resource';

/**
 * Loads now and again every `intervalMs` while mounted. A failed refresh keeps the last data on
 * screen (a blip should not blank a dashboard); only a first load that fails shows the error.
 */
export function usePolling<T>(
  load: () => Promise<T>,
  key: string,
  intervalMs: number,
): [Resource<T>, () => void] {
  const [state, setState] = useState<{ key: string; resource: Resource<T> }>({
    key,
    resource: { status: 'loading' },
  });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      loadRef
        .current()
        .then(
          (data) => live && setState({ key, resource: { status: 'ready', data } }),
          (error: unknown) =>
            live &&
            setState((previous) =>
              previous.key === key && previous.resource.status === 'ready'
                ? previous
                : {
                    key,
                    resource: {
                      status: 'error',
                      message: error instanceof Error ? error.message : String(error),
                    },
                  },
            ),
        )
        .finally(() => {
          if (live && intervalMs > 0) timer = setTimeout(tick, intervalMs);
        });
    };
    tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, generation, intervalMs]);
  return [state.key === key ? state.resource : { status: 'loading' }, () => setGeneration((g) => g + 1)];
}
