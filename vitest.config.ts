import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// graphql 16 ships CJS (index.js) and ESM (index.mjs). Node, as the services run, loads only the
// CJS build; Vite would resolve our sources to the ESM one while CommonJS dependencies
// (@apollo/federation-internals, ...) require the CJS one: two graphql instances, and a schema
// from one is refused by the other. Tests use the single copy that production uses.
const graphqlCjs = createRequire(import.meta.url).resolve('graphql');

// Test tiers by location and suffix: `*.test.ts` talk to one service, `*.e2e.ts` to the whole
// stack through the gateway. Every service and e2e test runs twice: on embedded PGlite and on
// the real Postgres server (each test file gets its own fresh database).
const serviceTests = ['subgraphs/*/test/**/*.test.ts', 'gateway/test/**/*.test.ts', 'packages/*/test/**/*.db.test.ts', 'e2e/**/*.e2e.ts'];
// Database-free tests of whole processes (the benchmark's subgraphs behind our gateway) run once.
const processTests = ['bench/test/**/*.test.ts'];
// Deployment checks: the Dockerfiles' and Kubernetes manifests' policies (unit), and the compiled
// services run as the images run them (postgres only: it rebuilds every workspace's dist/).
const infraTests = ['infra/test/**/*.test.ts'];
const infraRuns = ['infra/test/**/*.e2e.ts'];
const shared = {
  testTimeout: 30_000,
  // A whole platform on PGlite (four WASM Postgres instances and their migrations) starts in a
  // beforeAll: ~15 s on a quiet box, and past 120 s when the machine runs far more than its two
  // cores can (seen in CI with other work running). A hook that truly hangs still fails.
  hookTimeout: 300_000,
  // Two cores on the CI machine: more workers only thrash.
  maxWorkers: 2,
};
const env = { APOLLO_TELEMETRY_DISABLED: 'true', NODE_ENV: 'test' };

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlCjs }] },
  test: {
    projects: [
      { extends: true, test: { ...shared, name: 'unit', include: ['packages/*/test/**/*.test.ts', 'schema/test/**/*.test.ts', ...processTests, ...infraTests], exclude: ['**/*.db.test.ts', '**/node_modules/**'], env } },
      { extends: true, test: { ...shared, name: 'pglite', include: serviceTests, env: { ...env, TEST_DATABASE: 'pglite' } } },
      { extends: true, test: { ...shared, name: 'postgres', include: [...serviceTests, ...infraRuns], env: { ...env, TEST_DATABASE: 'postgres' } } },
    ],
  },
});
