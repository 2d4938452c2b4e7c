import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import { describe, expect, it } from 'vitest';
import '../src/apollo/flat-federation-exports.js';
import { APOLLO_INTERNALS, installedApolloVersions } from '../src/apollo/internals.js';

// The gateway's reliance on Apollo internals (gateway/src/apollo/internals.ts): an upgrade of any
// package named there fails here, loudly, with what to review, before anything else notices.
describe('Apollo internals the gateway relies on', () => {
  const installed = installedApolloVersions();

  for (const entry of APOLLO_INTERNALS) {
    it(`are the versions ${entry.where} was written against`, () => {
      for (const [name, version] of Object.entries(entry.packages)) {
        expect(installed[name], `${name} is ${installed[name]}, not ${version}: ${entry.where} relies on it (${entry.what}). Review ${entry.review} Then update gateway/src/apollo/internals.ts.`).toBe(version);
      }
    });
  }

  it('still have the shapes the gateway calls', async () => {
    const gateway = await import('@apollo/gateway');
    expect(typeof gateway.executeQueryPlan).toBe('function');
    expect(typeof gateway.buildOperationContext).toBe('function');
    expect(typeof gateway.ApolloGateway.prototype.load).toBe('function');
    // process() calls the private sendRequest that gateway/src/subgraphs.ts replaces.
    const process = RemoteGraphQLDataSource.prototype.process.toString();
    expect(process).toContain('sendRequest');
    const planner = await import('@apollo/query-planner');
    expect(typeof planner.QueryPlanner).toBe('function');
  });

  it('leave @apollo/federation-internals with plain exports once flattened', () => {
    const exports = createRequire(import.meta.url)('@apollo/federation-internals') as Record<string, unknown>;
    const getters = Object.entries(Object.getOwnPropertyDescriptors(exports)).filter(([, d]) => d.get);
    expect(getters.map(([name]) => name)).toEqual([]);
    expect(typeof exports.operationFromDocument).toBe('function');
  });
});

describe('the compiled result shaping (gateway/src/apollo/compiled-shaping.ts)', () => {
  it('is installed where executeQueryPlan reads it at call time', async () => {
    const { installed } = await import('../src/apollo/compiled-shaping.js');
    expect(installed).toBe(true);
    const require = createRequire(import.meta.url);
    const source = readFileSync(require.resolve('@apollo/gateway/dist/executeQueryPlan.js'), 'utf8');
    expect(source).toContain('(0, resultShaping_1.computeResponse)(');
    expect(source).toContain('(0, federation_internals_1.operationFromDocument)(apiSchema,');
    expect(source).toContain('validate: false');
  });
});
