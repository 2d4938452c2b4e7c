import { requirePerson, type PageArgs, subgraphDomain } from '@organoise/core';
import type { UserContext } from '../../context.js';
import type { OrganizationRow } from '../organizations/organizations.js';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from './apikeys.js';
import { permissions } from './permissions.js';

export const apiKeyResolvers = {
  Mutation: {
    createApiKey: (_: unknown, args: { input: unknown }, ctx: UserContext) => createApiKey(ctx, args.input),
    revokeApiKey: (_: unknown, args: { id: string }, ctx: UserContext) => revokeApiKey(ctx, args.id),
  },
  Organization: {
    apiKeys: (org: OrganizationRow, args: PageArgs, ctx: UserContext) => listApiKeys(ctx, org.id, args),
  },
  ApiKey: {
    ipAllowList: (k: ApiKeyRow) => k.allowList,
    organization: (k: ApiKeyRow, _: unknown, ctx: UserContext) => ctx.loaders.organization.load(k.organizationId),
    createdBy: (k: ApiKeyRow, _: unknown, ctx: UserContext) => (k.createdBy ? ctx.loaders.user.load(k.createdBy) : null),
  },
};

type Resolver = (parent: unknown, args: unknown, ctx: UserContext, info: unknown) => unknown;

/**
 * Mutations only a person may run, whatever role an API key holds: its own sessions, password,
 * second factor, sign-in links and keys, and those that make the caller a member (a key is not a
 * user). Refused with API_KEY_NOT_ALLOWED before the resolver runs.
 */
export function refuseApiKeys<T extends { Mutation?: Record<string, unknown> }>(resolvers: T, only?: readonly string[]): T {
  if (!resolvers.Mutation) return resolvers;
  const mutation: Record<string, unknown> = { ...resolvers.Mutation };
  for (const [name, resolve] of Object.entries(mutation)) {
    if (typeof resolve !== 'function' || (only && !only.includes(name))) continue;
    mutation[name] = (parent: unknown, args: unknown, ctx: UserContext, info: unknown) => {
      if (ctx.viewer) requirePerson(ctx.viewer);
      return (resolve as Resolver)(parent, args, ctx, info);
    };
  }
  return { ...resolvers, Mutation: mutation };
}

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, apiKeyResolvers, permissions);
