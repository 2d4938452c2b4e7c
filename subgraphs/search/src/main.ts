import { runSubgraphMain } from '@organoise/core';
import { ElasticsearchSearchIndex } from './engine/elasticsearch.js';
import { env } from './env.js';
import { subgraph } from './index.js';

await runSubgraphMain({
  subgraph,
  env,
  options: (e) => ({
    language: e.SEARCH_LANGUAGE,
    pollIntervalMs: e.SEARCH_POLL_INTERVAL_MS,
    sources: { user: e.SUBGRAPH_USER_URL, workflow: e.SUBGRAPH_WORKFLOW_URL, file: e.SUBGRAPH_FILE_URL },
    // ELASTICSEARCH_URL set: the index is Elasticsearch's; otherwise Postgres (the subgraph's default).
    openIndex: e.ELASTICSEARCH_URL ? () => ElasticsearchSearchIndex.open({ node: e.ELASTICSEARCH_URL!, indexPrefix: e.ELASTICSEARCH_INDEX_PREFIX }) : undefined,
  }),
});
