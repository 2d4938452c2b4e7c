import { DateTimeScalar, JSONScalar, loadSubgraphTypeDefs, mergePermissions, mergeResolvers } from '@organoise/core';
import { permissions as apiKeyPermissions } from './domains/apikeys/permissions.js';
import { permissions as accountPermissions } from './domains/accounts/permissions.js';
import { permissions as auditPermissions } from './domains/audit/permissions.js';
import { permissions as livePermissions } from './domains/live/permissions.js';
import { permissions as oidcPermissions } from './domains/oidc/permissions.js';
import { permissions as organizationPermissions } from './domains/organizations/permissions.js';
import { apiKeyResolvers, refuseApiKeys } from './domains/apikeys/resolvers.js';
import { accountResolvers } from './domains/accounts/resolvers.js';
import { auditResolvers } from './domains/audit/resolvers.js';
import { liveResolvers } from './domains/live/resolvers.js';
import { organizationResolvers } from './domains/organizations/resolvers.js';
import { oidcResolvers } from './domains/oidc/resolvers.js';
import { withStepUp } from './domains/accounts/step-up.js';

export const SUBGRAPH_NAME = 'user';

export const typeDefs = loadSubgraphTypeDefs([
  new URL('./domains/accounts/schema.graphql', import.meta.url),
  new URL('./domains/organizations/schema.graphql', import.meta.url),
  new URL('./domains/audit/schema.graphql', import.meta.url),
  new URL('./domains/live/schema.graphql', import.meta.url),
  new URL('./domains/oidc/schema.graphql', import.meta.url),
  new URL('./domains/apikeys/schema.graphql', import.meta.url),
]);

export const resolvers = mergeResolvers(
  { DateTime: DateTimeScalar, JSON: JSONScalar } as never,
  // API keys are not people: every account and sign-in mutation, founding, joining or inviting
  // into an organization, and its IP allow-list, refuse them.
  refuseApiKeys(accountResolvers),
  refuseApiKeys(organizationResolvers, ['createOrganization', 'acceptInvitation', 'inviteMember', 'setOrganizationIpAllowList']),
  auditResolvers,
  liveResolvers,
  refuseApiKeys(oidcResolvers),
  refuseApiKeys(apiKeyResolvers),
);

/**
 * Who may reach what (graphql-shield, deny by default: docs/decisions/0005-graphql-shield.md),
 * then the sensitive operations' recent-second-factor check (domains/accounts/step-up.ts).
 */
export const permissions = withStepUp(mergePermissions(apiKeyPermissions, accountPermissions, organizationPermissions, auditPermissions, livePermissions, oidcPermissions));
