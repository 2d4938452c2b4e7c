import { loadSubgraphs, localUrlOf, SUBGRAPH_NAMES } from '@organoise/core';
import type { SubgraphDefinition } from './compose-lib.js';

const loaded = await loadSubgraphs();

/**
 * Every subgraph of the one list (packages/core/src/subgraphs.ts) with the routing URL written into
 * the committed supergraph: its default port in a local run. Deployments override them
 * (SUBGRAPH_<NAME>_URL) without recomposing.
 */
export const SUBGRAPHS: SubgraphDefinition[] = SUBGRAPH_NAMES.map((name) => ({ name, url: localUrlOf(name), typeDefs: loaded[name].typeDefs }));
