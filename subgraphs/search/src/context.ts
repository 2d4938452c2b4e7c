import type { BaseContext, Database, DomainDeps, SubgraphContext, SubgraphServices } from '@organoise/core';
import type { SearchIndex } from './engine/search-index.js';
import type { RunningIndexer } from './domains/indexing/indexer.js';

/** The search subgraph's services: the index the `search` field reads, and the indexer that fills it. */
export interface SearchServices extends SubgraphServices {
  index: SearchIndex;
  /** Null when the subgraph was started with no sources (tests of the field alone). */
  indexer: RunningIndexer | null;
}

export type SearchContext = SubgraphContext<SearchServices, ReturnType<typeof createLoaders>>;

/** What the search domain functions take first (docs/decisions/0012-domain-functions.md). */
export type SearchDeps = DomainDeps<SearchServices>;

/** No entity is loaded here: hits are completed by the subgraphs that own them. */
export function createLoaders(_db: Database, _base: BaseContext) {
  return {};
}
