import { createLogger, databaseUrlsFrom, openDatabase } from '@organoise/core';
import { fileURLToPath } from 'node:url';
import { reindex } from './domains/indexing/indexer.js';
import { ElasticsearchSearchIndex } from './engine/elasticsearch.js';
import { PGLITE_EXTENSIONS } from './engine/extensions.js';
import { openPostgresSearchIndex } from './engine/postgres.js';
import type { SearchIndex } from './engine/search-index.js';
import { env } from './env.js';

/**
 * `npm run reindex`: rebuilds the search index from the sources' documents pages (reindex() in
 * domains/indexing/indexer.ts), with the search subgraph's settings (SEARCH_DATABASE_URL or
 * DATABASE_URL, SEARCH_LANGUAGE, SUBGRAPH_<USER|WORKFLOW|FILE>_URL, INTERNAL_TOKEN_SECRET). The
 * sources must be running. Running search replicas may keep running on Postgres; on embedded
 * PGlite, stop the search subgraph first (one process opens its data folder at a time).
 */
const log = createLogger({ service: 'search-reindex' }, env.LOG_LEVEL);
if (!env.INTERNAL_TOKEN_SECRET) {
  log.error('INTERNAL_TOKEN_SECRET is required: the sources take only the platform’s internal token');
  process.exit(1);
}
const database = await openDatabase({
  url: databaseUrlsFrom(env).search,
  dataDir: `${env.DATA_DIR}/pglite/search`,
  schema: 'search',
  migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)),
  pgliteExtensions: PGLITE_EXTENSIONS,
});
let index: SearchIndex | undefined;
try {
  // The index the subgraph uses (main.ts): Elasticsearch when ELASTICSEARCH_URL is set.
  index = env.ELASTICSEARCH_URL
    ? await ElasticsearchSearchIndex.open({ node: env.ELASTICSEARCH_URL, indexPrefix: env.ELASTICSEARCH_INDEX_PREFIX })
    : await openPostgresSearchIndex(database.db, { language: env.SEARCH_LANGUAGE });
  const started = Date.now();
  const counts = await reindex({
    db: database.db,
    index,
    internalTokenSecret: env.INTERNAL_TOKEN_SECRET,
    log,
    sources: [
      { name: 'user', url: env.SUBGRAPH_USER_URL },
      { name: 'workflow', url: env.SUBGRAPH_WORKFLOW_URL },
      { name: 'file', url: env.SUBGRAPH_FILE_URL },
    ],
  });
  console.log(`reindexed ${Object.entries(counts).map(([source, n]) => `${n} ${source} documents`).join(', ')} in ${Date.now() - started} ms`);
} catch (error) {
  log.error('reindex failed', { error });
  process.exitCode = 1;
} finally {
  await index?.close();
  await database.close();
}
