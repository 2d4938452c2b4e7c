import { id, notFound, parseInput, type PageArgs } from '@organoise/core';
import type { UserContext } from '../../context.js';
import { listViewerMemberships } from '../organizations/organizations.js';
import { signIn, signOut, signUp, visibleUsers, type VisibleUser } from './accounts.js';

interface AuthResult {
  accessToken: string;
  expiresAt: Date;
  userId: string;
}

export const accountResolvers = {
  Query: {
    viewer: (_: unknown, __: unknown, ctx: UserContext) => (ctx.viewer ? ctx.loaders.user.load(ctx.viewer.userId) : null),
    user: async (_: unknown, args: { id: string }, ctx: UserContext) => {
      const user = await ctx.loaders.user.load(parseInput(id(), args.id));
      if (!user) throw notFound('User');
      return user;
    },
  },
  Mutation: {
    signUp: (_: unknown, args: { input: unknown }, ctx: UserContext) => signUp(ctx, args.input),
    signIn: (_: unknown, args: { input: unknown }, ctx: UserContext) => signIn(ctx, args.input),
    signOut: (_: unknown, __: unknown, ctx: UserContext) => signOut(ctx.db, ctx.viewer),
  },
  AuthPayload: {
    // The request that signs someone in has no viewer yet: the new session's user sees themself.
    user: async (parent: AuthResult, _: unknown, ctx: UserContext) => {
      const [user] = await visibleUsers(ctx.db, { userId: parent.userId, sessionId: '', memberships: {} }, [parent.userId]);
      return user;
    },
  },
  User: {
    __resolveReference: (ref: { id: string }, ctx: UserContext) => ctx.loaders.user.load(ref.id),
    email: (user: VisibleUser) => (user.emailVisible ? user.email : null),
    memberships: (user: VisibleUser, args: PageArgs, ctx: UserContext) => listViewerMemberships(ctx.db, ctx.viewer, user.id, args),
  },
};
