export { bodyDifference, checkGatewayResponse, type ResponseCheck } from './check.js';
export { buildGuildSubgraphSchema, startGuildSubgraphs, type RunningSubgraphs } from './subgraphs.js';
export { loadWorkload, SUBGRAPH_NAMES, withRoutingUrls, type GuildData, type SubgraphName, type Workload } from './workload.js';
