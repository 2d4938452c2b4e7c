import { DateTimeScalar, JSONScalar, loadSubgraphTypeDefs, mergePermissions, mergeResolvers } from '@organoise/core';
import { permissions as filePermissions } from './domains/files/permissions.js';
import { permissions as livePermissions } from './domains/live/permissions.js';
import { permissions as organizationPermissions } from './domains/organizations/permissions.js';
import { permissions as runPermissions } from './domains/runs/permissions.js';
import { fileResolvers } from './domains/files/resolvers.js';
import { liveResolvers } from './domains/live/resolvers.js';
import { organizationResolvers } from './domains/organizations/resolvers.js';
import { runResolvers } from './domains/runs/resolvers.js';
import { permissions as uploadPermissions } from './domains/uploads/permissions.js';
import { uploadResolvers } from './domains/uploads/resolvers.js';

export const SUBGRAPH_NAME = 'file';

export const typeDefs = loadSubgraphTypeDefs([
  new URL('./domains/files/schema.graphql', import.meta.url),
  new URL('./domains/organizations/schema.graphql', import.meta.url),
  new URL('./domains/runs/schema.graphql', import.meta.url),
  new URL('./domains/live/schema.graphql', import.meta.url),
  new URL('./domains/uploads/schema.graphql', import.meta.url),
]);

export const resolvers = mergeResolvers({ DateTime: DateTimeScalar, JSON: JSONScalar } as never, fileResolvers, organizationResolvers, runResolvers, liveResolvers, uploadResolvers);

/** Who may reach what (graphql-shield, deny by default: docs/decisions/0005-graphql-shield.md). */
export const permissions = mergePermissions(filePermissions, organizationPermissions, runPermissions, livePermissions, uploadPermissions);
