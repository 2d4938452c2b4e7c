import * as Network from 'expo-network';
import { Platform } from 'react-native';

/**
 * Whether the device has a network, and its changes. On the web the browser's online/offline
 * events (Chromium's offline mode leaves open sockets delivering, so the app ends its socket
 * itself); on a phone expo-network's state.
 */
let online = Platform.OS === 'web' ? globalThis.navigator?.onLine !== false : true;
const listeners = new Set<(online: boolean) => void>();
const set = (next: boolean) => {
  if (next === online) return;
  online = next;
  for (const listener of listeners) listener(next);
};

if (Platform.OS === 'web' && typeof window !== 'undefined') {
  window.addEventListener('online', () => set(true));
  window.addEventListener('offline', () => set(false));
} else if (Platform.OS !== 'web') {
  const reachable = (state: Network.NetworkState) => state.isConnected !== false && state.isInternetReachable !== false;
  void Network.getNetworkStateAsync().then((state) => set(reachable(state)), () => {});
  Network.addNetworkStateListener((state) => set(reachable(state)));
}

export const isOnline = () => online;

export function onNetworkChange(listener: (online: boolean) => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}
