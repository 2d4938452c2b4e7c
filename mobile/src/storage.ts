import type { TokenStore } from '@organoise/client';
import * as SecureStore from 'expo-secure-store';
import { Platform } from 'react-native';

/**
 * Tokens survive a restart of the app in the phone's Keychain / Keystore (expo-secure-store),
 * readable only while the phone is unlocked. The web has no such store: sessionStorage, so a
 * reload stays signed in and closing the tab forgets the session (as the web app does), and
 * memory where even that is missing.
 */
export function tokenStore(): TokenStore {
  if (Platform.OS !== 'web') {
    const options = { keychainAccessible: SecureStore.WHEN_UNLOCKED_THIS_DEVICE_ONLY };
    return {
      get: (key) => SecureStore.getItemAsync(key, options),
      set: (key, value) => SecureStore.setItemAsync(key, value, options),
      delete: (key) => SecureStore.deleteItemAsync(key, options),
    };
  }
  return tabStore();
}

/** The browser tab's sessionStorage (kept across a reload, gone with the tab), else memory. */
export function tabStore(): TokenStore {
  const web = typeof sessionStorage === 'undefined' ? null : sessionStorage;
  const memory = new Map<string, string>();
  return {
    get: async (key) => (web ? web.getItem(key) : (memory.get(key) ?? null)),
    set: async (key, value) => (web ? web.setItem(key, value) : void memory.set(key, value)),
    delete: async (key) => (web ? web.removeItem(key) : void memory.delete(key)),
  };
}
