import { runSubgraphMain } from '@organoise/core';
import { env } from './env.js';
import { subgraph } from './index.js';

await runSubgraphMain({ subgraph, env });
