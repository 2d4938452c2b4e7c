import { DateTimeScalar, JSONScalar, loadSubgraphTypeDefs, mergeResolvers } from '@organoise/core';
import { accountResolvers } from './domains/accounts/resolvers.js';
import { auditResolvers } from './domains/audit/resolvers.js';
import { liveResolvers } from './domains/live/resolvers.js';
import { organizationResolvers } from './domains/organizations/resolvers.js';

export const SUBGRAPH_NAME = 'user';

export const typeDefs = loadSubgraphTypeDefs([
  new URL('./domains/accounts/schema.graphql', import.meta.url),
  new URL('./domains/organizations/schema.graphql', import.meta.url),
  new URL('./domains/audit/schema.graphql', import.meta.url),
  new URL('./domains/live/schema.graphql', import.meta.url),
]);

export const resolvers = mergeResolvers({ DateTime: DateTimeScalar, JSON: JSONScalar } as never, accountResolvers, organizationResolvers, auditResolvers, liveResolvers);
