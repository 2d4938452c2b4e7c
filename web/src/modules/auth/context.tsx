import type { Session, SessionState } from '@organoise/client';
import { createContext, useContext, useSyncExternalStore } from 'react';

export const SessionContext = createContext<Session | null>(null);

export function useSessionStore(): Session {
  const store = useContext(SessionContext);
  if (!store) throw new Error('useSessionStore outside SessionContext');
  return store;
}

export function useSession(): SessionState {
  const store = useSessionStore();
  return useSyncExternalStore(store.subscribe, store.getState);
}
