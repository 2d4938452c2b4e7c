import type { DomainDeps, RoleSource, SubgraphServices } from '@organoise/core';
import type { BackgroundWork } from './background.js';
import type { Clock } from './clock.js';
import type { SecretBox } from './crypto/secrets.js';
import type { Mailer } from './mail/mailer.js';
import type { PasswordHasher } from './domains/accounts/passwords.js';
import type { TokenIssuer } from './domains/accounts/tokens.js';
import type { OidcProviders } from './domains/oidc/oidc.js';

export interface ThrottleSettings {
  /** Failed checks of one email (or device, second factor, current password) before each further one makes it wait. */
  accountMaxFailures: number;
  /** The same for one client address. */
  ipMaxFailures: number;
  /** A key that goes this long without a failure is forgotten. */
  windowSeconds: number;
  /** The longest wait (the waits double from 2 s up to this). */
  lockoutSeconds: number;
}

export interface IdentitySettings {
  /** Absolute session lifetime. */
  sessionTtlSeconds: number;
  /** A session unseen for this long has ended. */
  sessionIdleSeconds: number;
  throttle: ThrottleSettings;
  /** How recent a second-factor check must be for a sensitive change. */
  stepUpMaxAgeSeconds: number;
  /** Sign-up completes only through a mailed link (no account, and no answer, before it). */
  signUpVerification: boolean;
  email: {
    /** Base URL of the app that opens mailed links (`/verify-email?token=`, `/reset-password?token=`). */
    appUrl: string;
    verificationTtlSeconds: number;
    passwordResetTtlSeconds: number;
  };
}

/** What every domain function of this subgraph may use; built once at start. */
export interface UserServices extends SubgraphServices {
  tokens: TokenIssuer;
  clock: Clock;
  hasher: PasswordHasher;
  settings: IdentitySettings;
  mailer: Mailer;
  /** Encrypts secrets stored in the database (TOTP secrets). */
  secrets: SecretBox;
  /** Configured OpenID Connect sign-in providers. */
  oidc: OidcProviders;
  /** Work done after answering (mail), so its cost cannot show in the answer's timing. */
  background: BackgroundWork;
  /**
   * Where this subgraph reads roles (core's requireRoleFrom, roleFrom and rules' `roles`): its own
   * tables, not the token, since it owns memberships (organizations/memberships.ts, membershipRoles).
   */
  roles: RoleSource;
}

/** What every domain function of this subgraph takes first: its services and the caller (docs/decisions/0012-domain-functions.md). */
export type Deps = DomainDeps<UserServices>;
