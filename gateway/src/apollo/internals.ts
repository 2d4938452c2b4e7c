import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Where the gateway leans on Apollo beyond its documented API: the one list of them, with the
 * exact versions each was written against. gateway/test/apollo-internals.test.ts fails when an
 * installed version differs, naming what to review, so an upgrade cannot slip through on green
 * tests that happen not to reach the changed path. docs/dependencies.md points here.
 *
 * The calls themselves stay where they are used (moving them would only add indirection); each
 * site names its entry here.
 */
export const APOLLO_INTERNALS = [
  {
    packages: { '@apollo/federation-internals': '2.14.4' },
    what: 'Its CommonJS exports are replaced by a plain copy (no getters) before @apollo/gateway loads it.',
    why: "3.9% of the gateway's CPU went to the getters tsc's `export *` emits.",
    where: 'gateway/src/apollo/flat-federation-exports.ts',
    review: 'that the package still assigns its exports only while loading (no live re-export is read later).',
  },
  {
    packages: { '@apollo/gateway': '2.14.4', '@apollo/query-planner': '2.14.4', '@apollo/federation-internals': '2.14.4' },
    what: 'The subscription engine plans with QueryPlanner and runs each event through buildOperationContext + executeQueryPlan, with Supergraph and operationFromDocument.',
    why: 'Apollo Gateway has no federated subscriptions; these are exported but undocumented.',
    where: 'gateway/src/subscriptions/engine.ts',
    review: 'the signatures of executeQueryPlan(queryPlan, serviceMap, requestContext, operationContext, supergraphSchema, apiSchema) and buildOperationContext, and the QueryPlanner constructor options.',
  },
  {
    packages: { '@apollo/gateway': '2.14.4' },
    what: "RemoteGraphQLDataSource's private sendRequest is replaced on each instance by a copy without node-fetch's Request.",
    why: 'Per-fetch overhead between gateway and subgraphs (docs/benchmarks.md).',
    where: 'gateway/src/subgraphs.ts (sendRequest)',
    review: 'that RemoteGraphQLDataSource.process still calls this.sendRequest(request, context) and what it expects back.',
  },
  {
    packages: { '@apollo/gateway': '2.14.4', '@apollo/federation-internals': '2.14.4' },
    what: "executeQueryPlan's computeResponse (dist/resultShaping.js) is replaced by a per-operation compiled copy of the same algorithm that hands any answer with an error back to the original; operationFromDocument (on the flat exports) is memoized for its { validate: false } calls, so each operation object is built once.",
    why: "Result shaping walked federation-internals' selection sets per object of every answer: 0.56 ms of CPU per request on the federation benchmark, 0.16 ms compiled (docs/benchmarks.md).",
    where: 'gateway/src/apollo/compiled-shaping.ts',
    review: 'resultShaping.js (computeResponse, applySelectionSet, updateOutputValue: every branch, assertion and error), that executeQueryPlan still reads resultShaping_1.computeResponse and federation_internals_1.operationFromDocument at call time and never modifies the operation, and that only executeQueryPlan calls operationFromDocument with validate: false. gateway/test/compiled-shaping.test.ts compares answers byte for byte.',
  },
  {
    packages: { '@apollo/gateway': '2.14.4', '@apollo/server': '5.5.1' },
    what: "The lean HTTP path calls ApolloGateway's executor with a request context it builds, and copies Apollo Server's cache policy and normalizeAndFormatErrors (not exported).",
    why: "Apollo Server's pipeline cost a measurable share of every query (docs/benchmarks.md).",
    where: 'gateway/src/transports/lean-http.ts',
    review: 'the fields the executor reads from the request context (request, document, operation, schema, overallCachePolicy, logger, ...) and Apollo Server\'s error normalisation and field order.',
  },
] as const;

/** The installed version of each package named above. */
export function installedApolloVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const names = [...new Set(APOLLO_INTERNALS.flatMap((entry) => Object.keys(entry.packages)))];
  // From the resolved entry up to the package's own package.json: not every package exports it.
  const versionOf = (name: string) => {
    for (let dir = dirname(require.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
      try {
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version: string };
        if (manifest.name === name) return manifest.version;
      } catch {
        // no package.json at this level
      }
    }
    throw new Error(`cannot find the package.json of ${name}`);
  };
  return Object.fromEntries(names.map((name) => [name, versionOf(name)]));
}
