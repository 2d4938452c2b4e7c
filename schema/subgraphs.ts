import * as analytics from '@organoise/subgraph-analytics';
import * as file from '@organoise/subgraph-file';
import * as user from '@organoise/subgraph-user';
import * as workflow from '@organoise/subgraph-workflow';
import type { SubgraphDefinition } from './compose-lib.js';

/**
 * Our four subgraphs with the routing URLs written into the committed supergraph: the default
 * ports of a local run. Deployments override them (SUBGRAPH_<NAME>_URL) without recomposing.
 */
export const SUBGRAPHS: SubgraphDefinition[] = [
  { name: user.SUBGRAPH_NAME, url: 'http://localhost:4001/graphql', typeDefs: user.typeDefs },
  { name: workflow.SUBGRAPH_NAME, url: 'http://localhost:4002/graphql', typeDefs: workflow.typeDefs },
  { name: file.SUBGRAPH_NAME, url: 'http://localhost:4003/graphql', typeDefs: file.typeDefs },
  { name: analytics.SUBGRAPH_NAME, url: 'http://localhost:4004/graphql', typeDefs: analytics.typeDefs },
];
