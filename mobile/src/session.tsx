import { ApolloProvider } from '@apollo/client/react';
import type { InMemoryCache } from '@apollo/client';
import { createApi, Session, type Api, type SessionState, type SessionUser } from '@organoise/client';
import { createContext, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { AppState } from 'react-native';
import { apiUrl } from './env';
import { onNetworkChange } from './network';
import { cacheStore, forgetCache, persistCache, restoreCache, savedUser, type KeyValueStore } from './offline-cache';
import { tokenStore } from './storage';

interface SessionContext {
  session: Session;
  state: SessionState;
  api: Api | null;
}

const Context = createContext<SessionContext | null>(null);

export interface SessionProviderProps {
  children: ReactNode;
  /**
   * What the app makes for itself: the session over the gateway, one client per person, the
   * phone's storage. Tests pass their own (a scripted network, an in-memory store).
   */
  createSession?: () => Session;
  makeApi?: (session: Session) => Api;
  store?: KeyValueStore;
}

/**
 * One Session for the app's life; one Api (Apollo Client and socket) per signed-in person, made
 * anew when the person changes so that nothing one read is shown to the next. Its cache is
 * restored from the last launch before any screen reads it and saved as it changes
 * (src/offline-cache.ts), so what was last seen shows offline; signing out forgets it.
 */
export function SessionProvider({ children, createSession = defaultSession, makeApi = defaultApi, store: givenStore }: SessionProviderProps) {
  const session = useMemo(createSession, [createSession]);
  const store = useMemo(() => givenStore ?? cacheStore(), [givenStore]);
  const raw = useSyncExternalStore(session.subscribe, session.getState, session.getState);
  // The person whose cache was saved: undefined until read, null when none.
  const [saved, setSaved] = useState<SessionUser | null | undefined>(undefined);
  // A launch without a network cannot trade the refresh token, so the session says signed out
  // (NETWORK_ERROR): that is not a sign-out. The app shows the saved cache's person what they
  // last saw, and the session resumes when the network does; a refused refresh then signs out.
  const offline = raw.status === 'signed-out' && raw.reason === 'NETWORK_ERROR';
  const state = useMemo((): SessionState => (!offline ? raw : saved === undefined ? { status: 'restoring' } : saved ? { status: 'signed-in', user: saved } : raw), [raw, offline, saved]);
  const userId = state.status === 'signed-in' ? state.user.id : null;
  const signedOut = raw.status === 'signed-out' && !offline;
  const [api, setApi] = useState<Api | null>(null);

  useEffect(() => {
    void session.restore();
    void savedUser(store).then(setSaved);
    return () => session.dispose();
  }, [session, store]);

  useEffect(() => {
    if (!signedOut) return;
    setSaved(null);
    void forgetCache(store);
  }, [signedOut, store]);

  useEffect(() => {
    if (!offline) return;
    return onNetworkChange((online) => {
      if (online) void session.restore();
    });
  }, [offline, session]);

  useEffect(() => {
    setApi(null);
    if (!userId || state.status !== 'signed-in') return;
    const user = state.user;
    let ended = false;
    const created = makeApi(session);
    const cache = created.client.cache as InMemoryCache;
    let persistence: ReturnType<typeof persistCache> | undefined;
    void restoreCache(cache, store, userId).then(() => {
      if (ended) return;
      persistence = persistCache(cache, store, user);
      setApi(created);
    });
    // Offline, the socket is dead even while it looks open: end it, so live views wait for the
    // network and then resume from their cursors.
    const off = onNetworkChange((online) => {
      if (!online) created.dropSocket();
    });
    // A phone may end an app in the background without warning: write what is waiting first.
    const background = AppState.addEventListener('change', (next) => {
      if (next !== 'active') void persistence?.flush();
    });
    return () => {
      ended = true;
      off();
      background.remove();
      persistence?.stop();
      created.dispose();
    };
    // Keyed by the person's id alone: the session resuming (offline start), or a new name, keeps the client.
  }, [session, userId, makeApi, store]);

  const value = useMemo(() => ({ session, state, api }), [session, state, api]);
  return <Context.Provider value={value}>{api ? <ApolloProvider client={api.client}>{children}</ApolloProvider> : children}</Context.Provider>;
}

const defaultSession = () => new Session({ url: apiUrl(), store: tokenStore() });
const defaultApi = (session: Session) => createApi({ url: apiUrl(), session });

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
