import { allow, defineRule, isApiKeyViewer, isUuid, requireRoleFrom, unauthenticated, appError, type IRules } from '@organoise/core';
import type { UserContext } from '../../context.js';

// The resolvers check again (requirePerson, requireRoleFrom): these rules are the first line, not
// the only one. Refusals are returned as errors so that the client sees the catalogued code.

/** A signed-in person: API keys may not manage API keys (a leaked key must not mint more). */
const isPerson = defineRule<UserContext>('apikeys:isPerson', (_p, _a, ctx) => {
  if (!ctx.viewer) return unauthenticated();
  return isApiKeyViewer(ctx.viewer) ? appError('API_KEY_NOT_ALLOWED', 'API keys may not do this; sign in as a person') : true;
});

/** Owner or admin of the organization, read from the database as the resolvers do (NOT_FOUND to non-members). */
const adminOf = (orgIdOf: (parent: any, args: any) => unknown) =>
  defineRule<UserContext>('apikeys:adminOf', async (p, a, ctx) => {
    if (!ctx.viewer) return unauthenticated();
    const organizationId = orgIdOf(p, a);
    // A malformed id is the resolver's input validation to refuse, with BAD_USER_INPUT.
    if (typeof organizationId !== 'string' || !isUuid(organizationId)) return true;
    await requireRoleFrom(ctx.roles, ctx.viewer, organizationId, 'ADMIN');
    return true;
  });

export const permissions: IRules = {
  Mutation: {
    createApiKey: isPerson,
    revokeApiKey: isPerson,
  },
  Organization: {
    apiKeys: adminOf((org: { id?: unknown }) => org.id),
  },
  // Reached only through Organization.apiKeys and the two mutations, all guarded above.
  ApiKey: allow,
  ApiKeyEdge: allow,
  ApiKeyConnection: allow,
  CreateApiKeyPayload: allow,
};
