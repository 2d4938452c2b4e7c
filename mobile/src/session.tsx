import { ApolloProvider } from '@apollo/client/react';
import { createApi, Session, type Api, type SessionState } from '@organoise/client';
import { createContext, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { apiUrl } from './env';
import { onNetworkChange } from './network';
import { tokenStore } from './storage';

interface SessionContext {
  session: Session;
  state: SessionState;
  api: Api | null;
}

const Context = createContext<SessionContext | null>(null);

/**
 * One Session for the app's life; one Api (Apollo Client and socket) per signed-in person, made
 * anew when the person changes so that nothing one read is shown to the next.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const session = useMemo(() => new Session({ url: apiUrl(), store: tokenStore() }), []);
  const state = useSyncExternalStore(session.subscribe, session.getState, session.getState);
  const userId = state.status === 'signed-in' ? state.user.id : null;
  const [api, setApi] = useState<Api | null>(null);

  useEffect(() => {
    void session.restore();
    return () => session.dispose();
  }, [session]);

  useEffect(() => {
    if (!userId) return setApi(null);
    const created = createApi({ url: apiUrl(), session });
    setApi(created);
    // Offline, the socket is dead even while it looks open: end it, so live views wait for the
    // network and then resume from their cursors.
    const off = onNetworkChange((online) => {
      if (!online) created.dropSocket();
    });
    return () => {
      off();
      created.dispose();
    };
  }, [session, userId]);

  const value = useMemo(() => ({ session, state, api }), [session, state, api]);
  return <Context.Provider value={value}>{api ? <ApolloProvider client={api.client}>{children}</ApolloProvider> : children}</Context.Provider>;
}

export function useSession(): SessionContext {
  const value = useContext(Context);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

export function useApi(): Api {
  const { api } = useSession();
  if (!api) throw new Error('useApi before sign-in');
  return api;
}
