import { createRequire } from 'node:module';

/**
 * @apollo/federation-internals is compiled by tsc, whose `export * from './x'` re-exports every
 * name through a getter (`get: function () { return m[k]; }`). @apollo/gateway calls into it as
 * `(0, federation_internals_1.fn)(...)` in its per-request hot loops (result shaping, merging), so
 * each call pays a getter: 3.9% of the gateway's CPU on the federation benchmark, as self time of
 * that one getter. This replaces the package's cached exports with a plain copy, made once the
 * package has loaded, before @apollo/gateway and @apollo/query-planner require it; they then read
 * plain properties. Same values (functions, classes, constants): the package assigns its exports
 * only while loading, never later (checked for 2.14.4, the pinned version), so nothing a getter
 * would have read live can change. Imported for its effect, first, by gateway/src/index.ts.
 * Listed in ./internals.ts (reviewed on every Apollo upgrade).
 */
const require = createRequire(import.meta.url);
const path = require.resolve('@apollo/federation-internals');
const exports = require(path) as Record<string, unknown>;
const cached = require.cache[path];
if (cached && Object.values(Object.getOwnPropertyDescriptors(exports)).some((d) => d.get)) {
  const flat: Record<string, unknown> = { ...exports };
  Object.defineProperty(flat, '__esModule', { value: true });
  cached.exports = flat;
}
