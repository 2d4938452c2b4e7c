import { defineSubgraph, type StartedSubgraph, type SubgraphOptions, type SubgraphServices } from '@organoise/core';
import { createLoaders } from './context.js';
import { events, eventStreams, idempotencyKeys } from './db/schema.js';
import { domain as definitions } from './domains/definitions/resolvers.js';
import { domain as live } from './domains/live/resolvers.js';
import { domain as organizations } from './domains/organizations/resolvers.js';
import { domain as runs } from './domains/runs/resolvers.js';
import { workflowSearchSource } from './domains/search/source.js';
import { domain as tasks } from './domains/tasks/resolvers.js';

/** Workflow definitions, their runs and human tasks. */
export const subgraph = defineSubgraph({
  name: 'workflow',
  root: import.meta.url,
  domains: [definitions, runs, tasks, organizations, live],
  eventTables: { events, eventStreams, idempotencyKeys },
  search: workflowSearchSource,
  loaders: createLoaders,
});

export const { name: SUBGRAPH_NAME, typeDefs, resolvers, permissions, eventChannelPrefix: EVENT_CHANNEL_PREFIX, start: startWorkflowSubgraph } = subgraph;
export type WorkflowSubgraphOptions = SubgraphOptions;
export type WorkflowSubgraph = StartedSubgraph<SubgraphServices>;
