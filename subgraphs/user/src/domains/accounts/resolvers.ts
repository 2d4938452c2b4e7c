import { id, loadOrNotFound, parseInput, type PageArgs, subgraphDomain } from '@organoise/core';
import type { UserContext } from '../../context.js';
import { listViewerMemberships } from '../organizations/memberships.js';
import { changePassword, signIn, visibleUsers, type VisibleUser } from './accounts.js';
import { completeSignUp, signUp } from './sign-up.js';
import { forUser, listAuditEvents, nothing } from '../audit/audit.js';
import { requestEmailVerification, requestPasswordReset, resetPassword, verifyEmail } from './recovery.js';
import { confirmTotp, disableTotp, enrollTotp, regenerateRecoveryCodes, twoFactorEnabled, verifySecondFactor } from './two-factor.js';
import { isCurrentSession, listSessions, refreshSession, revokeSession, signOut, signOutEverywhere, type IssuedSession, type SessionRow } from './sessions.js';
import { permissions } from './permissions.js';

export const accountResolvers = {
  Query: {
    viewer: (_: unknown, __: unknown, ctx: UserContext) => (ctx.viewer ? ctx.loaders.user.load(ctx.viewer.userId) : null),
    user: (_: unknown, args: { id: string }, ctx: UserContext) => loadOrNotFound(ctx.loaders.user, parseInput(id(), args.id), 'User'),
  },
  Mutation: {
    signUp: (_: unknown, args: { input: unknown }, ctx: UserContext) => signUp(ctx, args.input),
    completeSignUp: (_: unknown, args: { input: unknown }, ctx: UserContext) => completeSignUp(ctx, args.input),
    signIn: (_: unknown, args: { input: unknown }, ctx: UserContext) => signIn(ctx, args.input),
    refreshSession: (_: unknown, args: { refreshToken: unknown }, ctx: UserContext) => refreshSession(ctx, args.refreshToken),
    signOut: (_: unknown, __: unknown, ctx: UserContext) => signOut(ctx),
    signOutEverywhere: (_: unknown, __: unknown, ctx: UserContext) => signOutEverywhere(ctx),
    revokeSession: (_: unknown, args: { id: unknown }, ctx: UserContext) => revokeSession(ctx, args.id),
    changePassword: (_: unknown, args: { input: unknown }, ctx: UserContext) => changePassword(ctx, args.input),
    requestEmailVerification: (_: unknown, __: unknown, ctx: UserContext) => requestEmailVerification(ctx),
    verifyEmail: async (_: unknown, args: { token: unknown }, ctx: UserContext) => Boolean(await verifyEmail(ctx, args.token)),
    requestPasswordReset: (_: unknown, args: { email: unknown }, ctx: UserContext) => requestPasswordReset(ctx, args.email),
    enrollTotp: (_: unknown, __: unknown, ctx: UserContext) => enrollTotp(ctx),
    confirmTotp: (_: unknown, args: { code: unknown }, ctx: UserContext) => confirmTotp(ctx, args.code),
    verifySecondFactor: (_: unknown, args: { input: unknown }, ctx: UserContext) => verifySecondFactor(ctx, args.input),
    disableTotp: (_: unknown, __: unknown, ctx: UserContext) => disableTotp(ctx),
    regenerateRecoveryCodes: (_: unknown, __: unknown, ctx: UserContext) => regenerateRecoveryCodes(ctx),
    resetPassword: async (_: unknown, args: { input: unknown }, ctx: UserContext) => Boolean(await resetPassword(ctx, args.input)),
  },
  AuthPayload: {
    // The request that signs someone in has no viewer yet: the new session's user sees themself.
    user: async (parent: IssuedSession, _: unknown, ctx: UserContext) => {
      const [user] = await visibleUsers({ db: ctx.db, viewer: { userId: parent.userId, sessionId: parent.sessionId, memberships: {} } }, [parent.userId]);
      return user;
    },
  },
  User: {
    __resolveReference: (ref: { id: string }, ctx: UserContext) => ctx.loaders.user.load(ref.id),
    email: (user: VisibleUser) => (user.emailVisible ? user.email : null),
    twoFactorEnabled: (user: VisibleUser, _: unknown, ctx: UserContext) => (ctx.viewer?.userId === user.id ? twoFactorEnabled(ctx.db, user.id) : null),
    emailVerified: (user: VisibleUser) => (user.emailVisible ? user.emailVerifiedAt !== null : null),
    memberships: (user: VisibleUser, args: PageArgs, ctx: UserContext) => listViewerMemberships(ctx, user.id, args),
    sessions: (user: VisibleUser, args: PageArgs, ctx: UserContext) => listSessions(ctx, user.id, args),
    securityEvents: (user: VisibleUser, args: PageArgs & { filter?: unknown }, ctx: UserContext) =>
      listAuditEvents(ctx.db, ctx.viewer?.userId === user.id ? forUser(user.id) : nothing(), args),
  },
  Session: {
    // Only one's own sessions are listed at all; the address is masked anyway should another path appear (decision 0005).
    ipAddress: (session: SessionRow, _: unknown, ctx: UserContext) => (ctx.viewer?.userId === session.userId ? session.ipAddress : null),
    assuranceLevel: (session: SessionRow) => session.aal,
    current: (session: SessionRow, _: unknown, ctx: UserContext) => isCurrentSession(ctx.viewer, session),
    idleExpiresAt: (session: SessionRow, _: unknown, ctx: UserContext) => {
      const idle = new Date(session.lastSeenAt.getTime() + ctx.settings.sessionIdleSeconds * 1000);
      return idle < session.expiresAt ? idle : session.expiresAt;
    },
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, accountResolvers, permissions);
