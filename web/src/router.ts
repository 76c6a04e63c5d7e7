/** Client routes on the History API: the server answers every such path with the app (SPA fallback). */
import { useEffect, useState } from 'react';

const listeners = new Set<() => void>();

export function navigate(path: string): void {
  if (path === window.location.pathname) return;
  window.history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

export function usePath(): string {
  const [path, setPath] = useState(() => window.location.pathname);
  useEffect(() => {
    const update = () => setPath(window.location.pathname);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return path;
}

/** `/c/<id>` → the conversation id; anything else → undefined. */
export function conversationIdOf(path: string): string | undefined {
  const match = /^\/c\/([0-9a-f-]{36})\/?$/.exec(path);
  return match?.[1];
}
