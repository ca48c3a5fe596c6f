import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { HearthDesktopApi } from '../../main/api.js';
import { createClient, type ApiClient } from '../api/client.js';
import { desktopApi } from './desktop.js';
import { cleanToken, sessionTokenStore, type TokenStore } from './token-store.js';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; message?: string }
  | { status: 'signed-in'; token: string };

export interface Session {
  state: SessionState;
  client: ApiClient | null;
  desktop: HearthDesktopApi | undefined;
  /** Checks the token against the server; resolves to an error message, or null when signed in. */
  signIn: (token: string) => Promise<string | null>;
  signOut: (message?: string) => void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}

/** The signed-in API client; only for components rendered behind the sign-in gate. */
export function useClient(): ApiClient {
  const { client } = useSession();
  if (!client) throw new Error('useClient before sign-in');
  return client;
}

interface ProviderProps {
  children: ReactNode;
  desktop?: HearthDesktopApi;
  store?: TokenStore;
}

/** In the desktop app the token comes from the preload; in a browser the admin signs in with it. */
export function SessionProvider({ children, desktop = desktopApi(), store = sessionTokenStore() }: ProviderProps) {
  const [state, setState] = useState<SessionState>(() => {
    if (desktop) return { status: 'loading' };
    const saved = store.get();
    return saved ? { status: 'signed-in', token: saved } : { status: 'signed-out' };
  });

  /** Asks the preload for the token; `refused` is the token the server just refused, if any. */
  const loadDesktopToken = useCallback((refused: string | null) => {
    if (!desktop) return;
    desktop.getAdminToken().then(
      (token) => {
        // Refused twice with the same token: asking again would loop, so let the admin sign in by hand.
        if (token === refused) setState({ status: 'signed-out', message: 'The server did not accept the desktop app\'s admin token. Sign in with the token from the data folder.' });
        else setState({ status: 'signed-in', token });
      },
      () => setState({ status: 'signed-out', message: 'The desktop app could not read the admin token. Sign in with it instead.' }),
    );
  }, [desktop]);

  useEffect(() => loadDesktopToken(null), [loadDesktopToken]);

  const signOut = useCallback((message?: string) => {
    store.clear();
    setState({ status: 'signed-out', message });
  }, [store]);

  const token = state.status === 'signed-in' ? state.token : null;
  const client = useMemo(() => token === null ? null : createClient({
    token,
    // The desktop's token can change when the server restarts with a new data dir: ask again.
    onUnauthorized: desktop ? () => loadDesktopToken(token) : () => signOut('The server did not accept the admin token. Sign in again.'),
  }), [token, desktop, loadDesktopToken, signOut]);

  const signIn = useCallback(async (input: string): Promise<string | null> => {
    const candidate = cleanToken(input);
    if (candidate === '') return 'Paste the admin token.';
    const probe = createClient({ token: candidate });
    try {
      await probe.get('/admin/v1/models');
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
    store.set(candidate);
    setState({ status: 'signed-in', token: candidate });
    return null;
  }, [store]);

  const session = useMemo<Session>(() => ({ state, client, desktop, signIn, signOut }), [state, client, desktop, signIn, signOut]);
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
