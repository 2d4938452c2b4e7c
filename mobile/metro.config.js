// @ts-check
const path = require('node:path');
const { getDefaultConfig } = require('expo/metro-config');

const config = getDefaultConfig(__dirname);

// React Native 0.88 needs React 19.3, which lives in mobile/node_modules; the rest of the
// monorepo (web, playground) is on React 19.2.3 at the root. Packages hoisted to the root
// (@apollo/client, radix for expo-router's tabs) would otherwise resolve the root React and the
// bundle would hold two Reacts (hooks then fail). These are always resolved from the app.
const PINNED = ['react', 'react-dom', 'react-native', 'scheduler'];
const fromApp = path.join(__dirname, 'package.json');
const upstream = config.resolver.resolveRequest;
config.resolver.resolveRequest = (context, moduleName, platform) => {
  const pinned = PINNED.some((name) => moduleName === name || moduleName.startsWith(`${name}/`));
  const next = upstream ?? context.resolveRequest;
  return next(pinned ? { ...context, originModulePath: fromApp } : context, moduleName, platform);
};

module.exports = config;
