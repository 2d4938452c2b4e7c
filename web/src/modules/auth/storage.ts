import { DEVICE_KEY, type TokenStore } from '@organoise/client';

/**
 * Where a browser keeps the session (docs/decisions/0009-web-tokens.md): the single-use refresh
 * token in sessionStorage, so a reload of this tab stays signed in and closing it forgets the
 * session; the device token (not a credential: a sign-in budget of its own) in localStorage, so it
 * outlives the tab. The access token never leaves the Session's memory.
 */
export function browserTokenStore(): TokenStore {
  const storage = (key: string) => (key === DEVICE_KEY ? localStorage : sessionStorage);
  return {
    get: async (key) => storage(key).getItem(key),
    set: async (key, value) => storage(key).setItem(key, value),
    delete: async (key) => storage(key).removeItem(key),
  };
}
