import { defineSubgraph, type StartedSubgraph, type SubgraphOptions, type SubgraphServices } from '@organoise/core';
import { createLoaders } from './context.js';
import { eventStreams, logEvents } from './db/schema.js';
import { domain as aggregates } from './domains/aggregates/resolvers.js';
import { domain as events } from './domains/events/resolvers.js';
import { domain as live } from './domains/live/resolvers.js';

/** Product events ingested in batches, their aggregates and live metrics. */
export const subgraph = defineSubgraph({
  name: 'analytics',
  root: import.meta.url,
  domains: [events, aggregates, live],
  eventTables: { events: logEvents, eventStreams },
  loaders: createLoaders,
  // A full batch (1000 events, properties up to 8 KiB each) must fit in one request.
  maxBodyBytes: () => 10 * 1024 * 1024,
});

export const { name: SUBGRAPH_NAME, typeDefs, resolvers, permissions, eventChannelPrefix: EVENT_CHANNEL_PREFIX, start: startAnalyticsSubgraph } = subgraph;
export type AnalyticsSubgraphOptions = SubgraphOptions;
export type AnalyticsSubgraph = StartedSubgraph<SubgraphServices>;
