import { subgraphDomain } from '@organoise/core';
import type { UserContext } from '../../context.js';
import type { VisibleUser } from '../accounts/accounts.js';
import { beginOidcLink, beginOidcSignIn, completeOidcLink, completeOidcSignIn, listIdentities, unlinkIdentity } from './oidc.js';
import { permissions } from './permissions.js';

// Permissions (permissions.ts) say who may call; the checks here stay as the second line.
export const oidcResolvers = {
  Query: {
    oidcProviders: (_: unknown, __: unknown, ctx: UserContext) => ctx.oidc.list(),
  },
  Mutation: {
    beginOidcSignIn: (_: unknown, args: { provider: unknown; redirectUri: unknown }, ctx: UserContext) => beginOidcSignIn(ctx, args.provider, args.redirectUri),
    completeOidcSignIn: (_: unknown, args: { input: unknown }, ctx: UserContext) => completeOidcSignIn(ctx, args.input),
    beginOidcLink: (_: unknown, args: { provider: unknown; redirectUri: unknown }, ctx: UserContext) => beginOidcLink(ctx, args.provider, args.redirectUri),
    completeOidcLink: (_: unknown, args: { input: unknown }, ctx: UserContext) => completeOidcLink(ctx, args.input),
    unlinkOidcIdentity: (_: unknown, args: { id: unknown }, ctx: UserContext) => unlinkIdentity(ctx, args.id),
  },
  User: {
    linkedIdentities: (user: VisibleUser, _: unknown, ctx: UserContext) => listIdentities(ctx, user.id),
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, oidcResolvers, permissions);
