import { DateTimeScalar, JSONScalar, loadSubgraphTypeDefs, mergePermissions, mergeResolvers } from '@organoise/core';
import { permissions as aggregatePermissions } from './domains/aggregates/permissions.js';
import { permissions as eventPermissions } from './domains/events/permissions.js';
import { permissions as livePermissions } from './domains/live/permissions.js';
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

/** Who may reach what (graphql-shield, deny by default: docs/decisions/0005-graphql-shield.md). */
export const permissions = mergePermissions(eventPermissions, aggregatePermissions, livePermissions);
