import { localUrlOf, parseEnv, subgraphSettings, z } from '@organoise/core';

/** Every setting of the search subgraph: those every subgraph has, then its own (README lists them). */
export const env = parseEnv(
  z.object({
    ...subgraphSettings('search'),
    /**
     * The Postgres text search configuration documents and queries are parsed with (checked against
     * pg_ts_config at start). 'simple' (the default) lowercases and keeps every word as written:
     * names, and text in any language, match as typed; a language's configuration ('english',
     * 'german'...) stems words and drops its stop words, for an organization that writes in one.
     */
    SEARCH_LANGUAGE: z.string().trim().min(1).default('simple'),
    /** How often the indexer asks the sources for changes (a change is searchable within about this, plus the write). */
    SEARCH_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
    /**
     * Set: the index lives in this Elasticsearch (9.x) instead of Postgres full-text search
     * (engine/elasticsearch.ts); credentials may be in the URL. Unset: Postgres.
     */
    ELASTICSEARCH_URL: z.string().url().optional(),
    /** The Elasticsearch index and its template are `<prefix>documents` (lower case, as index names must be). */
    ELASTICSEARCH_INDEX_PREFIX: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,200}$/, 'lower-case letters, digits, ".", "_" and "-" (not first)')
      .default('organoise-search-'),
    /** The sources (docs/protocols/search.md): their default addresses when unset. */
    SUBGRAPH_USER_URL: z.string().url().default(localUrlOf('user', '127.0.0.1')),
    SUBGRAPH_WORKFLOW_URL: z.string().url().default(localUrlOf('workflow', '127.0.0.1')),
    SUBGRAPH_FILE_URL: z.string().url().default(localUrlOf('file', '127.0.0.1')),
  }),
  process.env,
);
