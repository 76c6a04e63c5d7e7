import { useCallback, useEffect, useState } from 'react';

export type Resource<T> =
  { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; data: T };

const LOADING = { status: 'loading' } as const;

/**
 * Loads once per key change; `reload` loads again. What was loaded for another key never shows
 * as this key's data, not even for the render between the key change and the new load.
 */
export function useResource<T>(load: () => Promise<T>, key: string): [Resource<T>, () => void] {
  const [state, setState] = useState<{ key: string; resource: Resource<T> }>({ key, resource: LOADING });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    const settle = (resource: Resource<T>) => live && setState({ key, resource });
    load().then(
      (data) => settle({ status: 'ready', data }),
      (error: unknown) =>
        settle({ status: 'error', message: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      live = false;
    };
    // `load` changes with every render; the key says when it means something new.
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return [state.key === key ? state.resource : LOADING, reload];
}
