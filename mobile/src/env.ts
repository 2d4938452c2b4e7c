import Constants from 'expo-constants';
import { Platform } from 'react-native';

/**
 * The app's only setting: where the gateway is. Metro inlines EXPO_PUBLIC_* variables into the
 * bundle when it is built, so this is read once, here.
 * - EXPO_PUBLIC_API_URL (e.g. http://192.168.1.20:4000/graphql) wins everywhere.
 * - On the web, without it: the page's own origin (a server in front of the app proxies /graphql
 *   to the gateway, as the e2e test does), so the build works on any host unchanged.
 * - On a phone in development (Expo Go, a development build): the computer running Metro, on the
 *   gateway's default port 4000, since that is where `npm start` runs next to it.
 */
const configured = process.env.EXPO_PUBLIC_API_URL;

function developmentHost(): string | null {
  const hostUri = Constants.expoConfig?.hostUri; // "192.168.1.20:8081" while served by Metro
  return hostUri ? hostUri.split(':')[0]! : null;
}

export function apiUrl(): string {
  if (configured) return configured;
  if (Platform.OS === 'web') return new URL('/graphql', globalThis.location.href).href;
  const host = developmentHost();
  if (host) return `http://${host}:4000/graphql`;
  throw new Error('EXPO_PUBLIC_API_URL is not set: build the app with the gateway URL (see mobile/README.md)');
}
