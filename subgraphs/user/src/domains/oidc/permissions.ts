import { unauthenticated } from '@organoise/core';
import { allow, rule, type IRules } from 'graphql-shield';
import type { UserContext } from '../../context.js';

// Signing in is for people who are not signed in yet: those fields are public. The resolvers
// check again (requireViewer, viewer === owner): the rules are the first line, not the only one.
// The refusal is returned (not `false`) so the client gets UNAUTHENTICATED whatever the fallback.
const isAuthenticated = rule({ cache: 'contextual' })((_parent: unknown, _args: unknown, ctx: UserContext) => (ctx.viewer ? true : unauthenticated()));

export const permissions: IRules = {
  Query: {
    oidcProviders: allow,
  },
  Mutation: {
    beginOidcSignIn: allow,
    completeOidcSignIn: allow,
    beginOidcLink: isAuthenticated,
    completeOidcLink: isAuthenticated,
    unlinkOidcIdentity: isAuthenticated,
  },
  OidcProvider: allow,
  OidcAuthorization: allow,
  // User.linkedIdentities falls under the accounts domain's rule for every User field; its
  // resolver shows a user only their own identities (an empty list to anyone else).
  // Reached only through User.linkedIdentities and completeOidcLink, both the viewer's own.
  LinkedIdentity: allow,
};
