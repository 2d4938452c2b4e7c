import { parseEnv, subgraphSettings, z } from '@organoise/core';

/** Every setting of the workflow subgraph: only those every subgraph has (README lists them). */
export const env = parseEnv(z.object(subgraphSettings('workflow')), process.env);
