import type { InMemoryCache, NormalizedCacheObject } from '@apollo/client';
import type { SessionUser, TokenStore } from '@organoise/client';
import AsyncStorage from '@react-native-async-storage/async-storage';
import { Platform } from 'react-native';
import { tabStore } from './storage';

/**
 * The Apollo cache kept between launches, so a phone opened in a lift shows the inbox it last
 * saw. apollo3-cache-persist does this for Apollo Client 3 only (its peer range is ^3.7), so
 * this is the small part of it the app needs: the normalized cache as one JSON value, written a
 * moment after the cache changes and restored before the first screen reads it. Screens read
 * with `cache-and-network`: what was saved shows at once and is replaced by what the gateway
 * answers (a live view starts from now, so what changed while the app was closed comes from
 * that read).
 */

/** The same shape as the token store: small strings by key, asynchronous on a phone. */
export type KeyValueStore = TokenStore;

export const CACHE_KEY = 'organoise.cache';
/** Bumped when the shape of what is cached changes (documents, type policies): an old one is dropped. */
const CACHE_VERSION = 1;
/** Writes are gathered: a burst of events costs one write. */
export const SAVE_DELAY_MS = 1000;

interface Saved {
  version: number;
  /** Whose cache this is: another person signing in on the phone never sees it. */
  user: SessionUser;
  data: NormalizedCacheObject;
}

/**
 * AsyncStorage on a phone (the app's own storage, removed with the app). On the web, the page's
 * sessionStorage, as for the tokens (src/storage.ts): closing the tab forgets both.
 */
export function cacheStore(): KeyValueStore {
  if (Platform.OS === 'web') return tabStore();
  return { get: (key) => AsyncStorage.getItem(key), set: (key, value) => AsyncStorage.setItem(key, value), delete: (key) => AsyncStorage.removeItem(key) };
}

async function read(store: KeyValueStore): Promise<Saved | null> {
  try {
    const text = await store.get(CACHE_KEY);
    const saved = text ? (JSON.parse(text) as Partial<Saved>) : null;
    if (saved?.version !== CACHE_VERSION || typeof saved.user?.id !== 'string' || !saved.data || typeof saved.data !== 'object') return null;
    return saved as Saved;
  } catch {
    // Unreadable: the screens read from the network as on a first launch.
    return null;
  }
}

/** Whose cache is saved: the person the app shows it to when it starts without a network. */
export async function savedUser(store: KeyValueStore): Promise<SessionUser | null> {
  return (await read(store))?.user ?? null;
}

/** Fills `cache` with what was saved for `userId`, if anything was. A store that fails or holds nonsense costs only the head start. */
export async function restoreCache(cache: InMemoryCache, store: KeyValueStore, userId: string): Promise<void> {
  const saved = await read(store);
  if (saved?.user.id === userId) cache.restore(saved.data);
}

export interface CachePersistence {
  /** Writes now what is waiting (the app goes to the background). */
  flush(): Promise<void>;
  /** Stops saving; nothing waiting is written (the person signed out or changed). */
  stop(): void;
}

/**
 * Saves `cache` after every change, gathered over `delayMs`. The cache has no change event, so
 * its writing methods are wrapped on this instance (as apollo3-cache-persist does); optimistic
 * layers are not saved (extract() reads the confirmed data only).
 */
export function persistCache(cache: InMemoryCache, store: KeyValueStore, user: SessionUser, delayMs = SAVE_DELAY_MS): CachePersistence {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const save = async () => {
    clearTimeout(timer);
    timer = undefined;
    if (stopped) return;
    const saved: Saved = { version: CACHE_VERSION, user: { id: user.id, name: user.name }, data: cache.extract() };
    await store.set(CACHE_KEY, JSON.stringify(saved)).catch(() => {});
  };
  const changed = () => {
    if (!stopped && timer === undefined) timer = setTimeout(() => void save(), delayMs);
  };
  const methods = ['write', 'modify', 'evict', 'reset'] as const;
  const originals = methods.map((name) => [name, cache[name]] as const);
  for (const [name, original] of originals) {
    Object.assign(cache, {
      [name]: (...args: unknown[]) => {
        const result = (original as (...a: unknown[]) => unknown).apply(cache, args);
        changed();
        return result;
      },
    });
  }
  return {
    flush: () => (timer === undefined ? Promise.resolve() : save()),
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      for (const [name, original] of originals) Object.assign(cache, { [name]: original });
    },
  };
}

/** Forgets the saved cache (signed out: nothing of this person stays on the phone). */
export async function forgetCache(store: KeyValueStore): Promise<void> {
  await store.delete(CACHE_KEY).catch(() => {});
}
