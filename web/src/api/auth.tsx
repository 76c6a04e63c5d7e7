import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import * as api from './client';
import type { Session } from './client';

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

export type AuthState =
  | { status: 'loading' }
  | { status: 'signed_out'; error?: string }
  | { status: 'signed_in'; session: Session };

interface Auth {
  state: AuthState;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  changePassword(current: string, next: string): Promise<void>;
  /** A valid access token, refreshed first when it is about to expire. */
  token(): Promise<string>;
}

const AuthContext = createContext<Auth | undefined>(undefined);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const session = useRef<Session | undefined>(undefined);
  const refreshing = useRef<Promise<Session | undefined> | undefined>(undefined);

  const adopt = useCallback((next: Session | undefined) => {
    session.current = next;
    setState(next ? { status: 'signed_in', session: next } : { status: 'signed_out' });
  }, []);

  const refresh = useCallback(() => {
    // One refresh at a time: the cookie rotates, and a second use of the old one ends the session.
    refreshing.current ??= api.refresh().finally(() => {
      refreshing.current = undefined;
    });
    return refreshing.current;
  }, []);

  useEffect(() => {
    refresh().then(adopt, () => adopt(undefined));
  }, [refresh, adopt]);

  const value = useMemo<Auth>(
    () => ({
      state,
      async signIn(username, password) {
        adopt(await api.login(username, password));
      },
      async signOut() {
        await api.logout(session.current?.accessToken);
        adopt(undefined);
      },
      async changePassword(current, next) {
        const token = session.current?.accessToken;
        if (!token) throw new Error('not signed in');
        adopt(await api.changePassword(token, current, next));
      },
      async token() {
        const current = session.current;
        if (current && current.expiresAt - Date.now() > REFRESH_MARGIN_MS) return current.accessToken;
        const next = await refresh();
        if (!next) {
          adopt(undefined);
          throw new api.ApiError(401, 'authentication_error', 'The session has ended; sign in again.');
        }
        adopt(next);
        return next.accessToken;
      },
    }),
    [state, adopt, refresh],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}
