import { afterEach, jest } from '@jest/globals';

// Native modules that cannot run under Node, and only those (the rest of the app is real):
// AsyncStorage's own jest mock (a Map), expo-network as a network the test switches
// (test/network-mock.ts). expo-secure-store is never reached: tests give the session its store.
jest.mock('@react-native-async-storage/async-storage', () => require('@react-native-async-storage/async-storage/jest/async-storage-mock'));
jest.mock('expo-network', () => require('./network-mock'));

afterEach(() => {
  (require('./network-mock') as typeof import('./network-mock')).setOnline(true);
});

// A busy two-core machine: waiting for a screen may take seconds; no assertion is about speed.
(require('@testing-library/react-native') as typeof import('@testing-library/react-native')).configure({ asyncUtilTimeout: 10_000 });
