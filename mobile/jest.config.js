// @ts-check
const path = require('node:path');

// React 19.3 (React Native 0.88's) lives in mobile/node_modules while the root keeps 19.2.3 for
// web/ and playground/; packages hoisted to the root (@apollo/client, test-renderer's reconciler)
// would otherwise load the root React. As metro.config.js does for the bundle, every importer
// gets the app's copy. (`npm test` starts jest with NODE_PATH=node_modules for the same reason:
// @react-native/jest-preset is hoisted to the root and requires react-native from there.)
const pinned = (name) => path.dirname(require.resolve(`${name}/package.json`, { paths: [__dirname] }));
const nodeModules = path.dirname(pinned('react'));
// jest-expo's setup mocks expo-modules-core by name, but npm keeps it under expo/node_modules
// (expo's own copy), where only expo itself resolves it from.
const modulesCore = path.dirname(require.resolve('expo-modules-core/package.json', { paths: [pinned('expo')] }));

/** @type {import('jest').Config} */
module.exports = {
  preset: 'jest-expo',
  testMatch: ['<rootDir>/test/**/*.test.{ts,tsx}'],
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  moduleNameMapper: {
    '^(react|react-dom|scheduler)$': `${nodeModules}/$1`,
    '^(react|react-dom|scheduler)/(.*)$': `${nodeModules}/$1/$2`,
    '^expo-modules-core$': modulesCore,
    '^expo-modules-core/(.*)$': `${modulesCore}/$1`,
  },
  // Hoisted ESM-only packages that Babel must transform (on top of jest-expo's React Native list).
  transformIgnorePatterns: ['/node_modules/(?!(.pnpm|react-native|@react-native|@react-native-community|expo|@expo|react-navigation|@react-navigation|standard-navigation|@apollo|graphql-ws|rxjs|@noble|@organoise))'],
  // A busy two-core machine: one worker, and no timing in any assertion.
  maxWorkers: 1,
  testTimeout: 60_000,
};
