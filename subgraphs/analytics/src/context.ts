import { byIdLoader, type BaseContext, type Database, type DomainDeps, type SubgraphContext, type SubgraphServices } from '@organoise/core';
import { workflowDefinitionStats, type StatsRange } from './domains/aggregates/aggregates.js';

/** The analytics subgraph has only the services every subgraph has. */
export type AnalyticsServices = SubgraphServices;

export type AnalyticsContext = SubgraphContext<AnalyticsServices, ReturnType<typeof createLoaders>>;

/** What the analytics' domain functions take first (docs/decisions/0012-domain-functions.md); a resolver passes its context. */
export type AnalyticsDeps = DomainDeps<AnalyticsServices>;

/** Per-request loaders: every entity lookup in one request is batched into one query. */
export function createLoaders(db: Database, base: BaseContext) {
  // Stats take a range argument; definitions asked for with the same range share one query.
  const statsByRange = new Map<string, ReturnType<typeof statsLoader>>();
  const statsLoader = (range: StatsRange) =>
    // Keyed `<organizationId>/<definitionId>`: a definition's numbers come from its own organization only.
    byIdLoader((keys) => workflowDefinitionStats({ db, viewer: base.viewer }, keys, range), (row) => `${row.organizationId}/${row.definitionId}`);
  return {
    workflowDefinitionStats: (range: StatsRange) => {
      const key = `${range.from?.toISOString() ?? ''}|${range.to?.toISOString() ?? ''}`;
      let loader = statsByRange.get(key);
      if (!loader) statsByRange.set(key, (loader = statsLoader(range)));
      return loader;
    },
  };
}
