import { defineSubgraph, type StartedSubgraph, type SubgraphName, type SubgraphOptions, type SubgraphServices } from '@organoise/core';
import { createLoaders, type SearchServices } from './context.js';
import { eventStreams, events } from './db/schema.js';
import { startIndexer } from './domains/indexing/indexer.js';
import { SEARCH_SOURCES, type SearchSourceName } from './domains/indexing/sources.js';
import { domain as search } from './domains/search/resolvers.js';
import { PGLITE_EXTENSIONS } from './engine/extensions.js';
import { openPostgresSearchIndex } from './engine/postgres.js';
import type { SearchIndex } from './engine/search-index.js';

export type { SearchIndex, SearchQuery, SearchPage, SearchHit, SearchHighlight, SearchMatch } from './engine/search-index.js';

export const DEFAULT_SEARCH_LANGUAGE = 'simple';
export const DEFAULT_SEARCH_POLL_INTERVAL_MS = 250;

export interface SearchSubgraphOptions extends SubgraphOptions {
  /** SEARCH_LANGUAGE: the Postgres text search configuration (default 'simple'; see env.ts). */
  language?: string;
  /** SEARCH_POLL_INTERVAL_MS (250 by default). */
  pollIntervalMs?: number;
  /** The sources' GraphQL URLs (the routes are beside them); a source without one is not followed. */
  sources?: Partial<Record<SearchSourceName, string>>;
  /** Another index than Postgres (Elasticsearch, when ELASTICSEARCH_URL is set); it is closed with the subgraph. */
  openIndex?: (core: SubgraphServices) => Promise<SearchIndex>;
  /** The indexer's lease lifetime (tests of replicas shorten it). */
  indexerLeaseMs?: number;
}

/**
 * The index of every searchable entity and the `search` field (issue 15). It follows the sources'
 * logs through their internal routes (docs/protocols/search.md); it never reads their schemas.
 */
export const subgraph = defineSubgraph({
  name: 'search',
  root: import.meta.url,
  domains: [search],
  eventTables: { events, eventStreams },
  loaders: createLoaders,
  pgliteExtensions: PGLITE_EXTENSIONS,
  services: async (core: SubgraphServices, options: SearchSubgraphOptions): Promise<SearchServices> => {
    const index = options.openIndex ? await options.openIndex(core) : await openPostgresSearchIndex(core.db, { language: options.language ?? DEFAULT_SEARCH_LANGUAGE });
    const sources = SEARCH_SOURCES.flatMap((name) => (options.sources?.[name] ? [{ name, url: options.sources[name] }] : []));
    if (sources.length < SEARCH_SOURCES.length) options.log.warn('search subgraph started without some sources: their entities are not indexed', { sources: sources.map((s) => s.name) });
    const indexer =
      sources.length === 0
        ? null
        : startIndexer({
            db: core.db,
            index,
            sources,
            internalTokenSecret: options.internalTokenSecret,
            log: options.log,
            pollIntervalMs: options.pollIntervalMs ?? DEFAULT_SEARCH_POLL_INTERVAL_MS,
            ...(options.indexerLeaseMs ? { leaseMs: options.indexerLeaseMs } : {}),
          });
    return { ...core, index, indexer };
  },
  drain: async (services) => {
    await services.indexer?.stop();
    await services.index.close();
  },
  // The platform starts search once its sources listen (`needs` in subgraphs.ts).
  peers: (urls: Partial<Record<SubgraphName, string>>) => ({ sources: { user: urls.user, workflow: urls.workflow, file: urls.file } }),
});

export const { name: SUBGRAPH_NAME, typeDefs, resolvers, permissions, eventChannelPrefix: EVENT_CHANNEL_PREFIX, start: startSearchSubgraph } = subgraph;
export type SearchSubgraph = StartedSubgraph<SearchServices>;
export type { SearchServices } from './context.js';
