import type { NetworkState } from 'expo-network';

/**
 * expo-network, which asks the phone's OS and cannot run under Node: a network the test turns
 * off and on (installed by test/setup.ts).
 */
const listeners = new Set<(state: NetworkState) => void>();
let state = { isConnected: true, isInternetReachable: true } as NetworkState;

export const getNetworkStateAsync = async () => state;
export const addNetworkStateListener = (listener: (state: NetworkState) => void) => {
  listeners.add(listener);
  return { remove: () => void listeners.delete(listener) };
};

export function setOnline(online: boolean): void {
  state = { ...state, isConnected: online, isInternetReachable: online };
  for (const listener of listeners) listener(state);
}
