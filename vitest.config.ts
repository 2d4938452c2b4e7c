import { defineConfig } from 'vitest/config';

// Test tiers by location and suffix: `*.test.ts` talk to one service, `*.e2e.ts` to the whole
// stack through the gateway. Every service and e2e test runs twice: on embedded PGlite and on
// the real Postgres server (each test file gets its own fresh database).
const serviceTests = ['subgraphs/*/test/**/*.test.ts', 'gateway/test/**/*.test.ts', 'packages/*/test/**/*.db.test.ts', 'e2e/**/*.e2e.ts'];
const shared = {
  testTimeout: 30_000,
  hookTimeout: 120_000,
  // Two cores on the CI machine: more workers only thrash.
  maxWorkers: 2,
};
const env = { APOLLO_TELEMETRY_DISABLED: 'true', NODE_ENV: 'test' };

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'unit', include: ['packages/*/test/**/*.test.ts', 'schema/test/**/*.test.ts'], exclude: ['**/*.db.test.ts', '**/node_modules/**'], env } },
      { test: { ...shared, name: 'pglite', include: serviceTests, env: { ...env, TEST_DATABASE: 'pglite' } } },
      { test: { ...shared, name: 'postgres', include: serviceTests, env: { ...env, TEST_DATABASE: 'postgres' } } },
    ],
  },
});
