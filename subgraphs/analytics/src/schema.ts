import { DateTimeScalar, JSONScalar, loadSubgraphTypeDefs, mergeResolvers } from '@organoise/core';
import { aggregateResolvers } from './domains/aggregates/resolvers.js';
import { eventResolvers } from './domains/events/resolvers.js';
import { liveResolvers } from './domains/live/resolvers.js';

export const SUBGRAPH_NAME = 'analytics';

export const typeDefs = loadSubgraphTypeDefs([
  new URL('./domains/events/schema.graphql', import.meta.url),
  new URL('./domains/aggregates/schema.graphql', import.meta.url),
  new URL('./domains/live/schema.graphql', import.meta.url),
]);

export const resolvers = mergeResolvers({ DateTime: DateTimeScalar, JSON: JSONScalar } as never, eventResolvers, aggregateResolvers, liveResolvers);
