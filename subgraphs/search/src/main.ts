import { runSubgraphMain } from '@organoise/core';
import { env } from './env.js';
import { subgraph } from './index.js';

await runSubgraphMain({
  subgraph,
  env,
  options: (e) => ({
    language: e.SEARCH_LANGUAGE,
    pollIntervalMs: e.SEARCH_POLL_INTERVAL_MS,
    sources: { user: e.SUBGRAPH_USER_URL, workflow: e.SUBGRAPH_WORKFLOW_URL, file: e.SUBGRAPH_FILE_URL },
  }),
});
