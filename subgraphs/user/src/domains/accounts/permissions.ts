import { allowTypes, everyField, isAuthenticated, isPublic, isSelf, or, reachedFrom, type IRules } from '@organoise/core';
import type { UserContext } from '../../context.js';

// Signing up, in and back in happens before there is a viewer: those are public, as are the
// password-reset mutations (the link's token is the credential). Personal fields of a User (email,
// two-factor, sessions, security events) are masked by their resolvers for anyone but the user
// themself (or an organization's owners and admins for the email), not refused.
export const permissions: IRules = {
  Query: {
    // Null when signed out, not an error.
    viewer: isPublic,
    user: isAuthenticated,
  },
  Mutation: {
    signUp: isPublic,
    completeSignUp: isPublic,
    signIn: isPublic,
    refreshSession: isPublic,
    requestPasswordReset: isPublic,
    resetPassword: isPublic,
    signOut: isAuthenticated,
    signOutEverywhere: isAuthenticated,
    revokeSession: isAuthenticated,
    changePassword: isAuthenticated,
    enrollTotp: isAuthenticated,
    confirmTotp: isAuthenticated,
    verifySecondFactor: isAuthenticated,
    disableTotp: isAuthenticated,
    regenerateRecoveryCodes: isAuthenticated,
    requestEmailVerification: isAuthenticated,
    // In a session of the account the link was mailed for (accounts/recovery.ts says why).
    verifyEmail: isAuthenticated,
  },
  // Users come only from viewer-scoped lookups (themself, or someone sharing an organization). The
  // request that signs someone in has no viewer yet: the AuthPayload's user is theirs.
  User: everyField(or(isAuthenticated, reachedFrom('AuthPayload'))),
  // Only one's own sessions, whatever path reaches them.
  Session: everyField(isSelf<UserContext>((s: { userId: string }) => s.userId)),
  ...allowTypes('SessionEdge', 'SessionConnection', 'AuthPayload', 'TotpEnrollment', 'TwoFactorActivation', 'SecondFactorPayload'),
};
