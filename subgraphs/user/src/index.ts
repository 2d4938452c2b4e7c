import express from 'express';
import {
  JWKS_PATH,
  PRINCIPAL_PATH,
  PRINCIPALS_PATH,
  API_KEY_PATH,
  API_KEY_SECRET_HEADER,
  INTERNAL_TOKEN_HEADER,
  defineSubgraph,
  verifyInternalToken,
  type Logger,
  type StartedSubgraph,
  type SubgraphOptions,
  type SubgraphServices,
} from '@organoise/core';
import { BackgroundWork } from './background.js';
import { systemClock, type Clock } from './clock.js';
import { createLoaders } from './context.js';
import { events, eventStreams, idempotencyKeys } from './db/schema.js';
import { PasswordHasher } from './domains/accounts/passwords.js';
import { MAX_PRINCIPALS_PER_LOOKUP, principalForSession, principalsForSessions } from './domains/accounts/sessions.js';
import { resolveApiKey } from './domains/apikeys/apikeys.js';
import { allowListsOf } from './domains/organizations/allow-lists.js';
import { membershipRoles } from './domains/organizations/memberships.js';
import { TokenIssuer, type TokenSettings } from './domains/accounts/tokens.js';
import { withStepUp } from './domains/accounts/step-up.js';
import { domain as accounts } from './domains/accounts/resolvers.js';
import { domain as apiKeys, refuseApiKeys } from './domains/apikeys/resolvers.js';
import { domain as audit } from './domains/audit/resolvers.js';
import { domain as live } from './domains/live/resolvers.js';
import { domain as oidc } from './domains/oidc/resolvers.js';
import { domain as organizations } from './domains/organizations/resolvers.js';
import { userSearchSource } from './domains/search/source.js';
import { SecretBox } from './crypto/secrets.js';
import { createMailer, type MailSettings } from './mail/mailer.js';
import { OidcProvidersSetting, type OidcProviderInput } from './domains/oidc/config.js';
import { OidcProviders } from './domains/oidc/oidc.js';
import type { ThrottleSettings, UserServices } from './services.js';

export { ManualClock, systemClock, type Clock } from './clock.js';
export type { UserServices } from './services.js';
export { SecretBox } from './crypto/secrets.js';
export { oidcProvidersFromText, type OidcProviderInput } from './domains/oidc/config.js';
export { MemoryMailer, OutboxMailer, SmtpMailer, type Mailer, type MailMessage, type MailSettings } from './mail/mailer.js';

export { membersStream } from './domains/organizations/events.js';

export const DEFAULT_THROTTLE: ThrottleSettings = { accountMaxFailures: 5, ipMaxFailures: 50, windowSeconds: 3600, lockoutSeconds: 900 };

export interface UserSubgraphOptions extends SubgraphOptions {
  tokens: TokenSettings;
  /** Absolute session lifetime. */
  sessionTtlSeconds: number;
  /** A session unseen this long ends (default 7 days). */
  sessionIdleSeconds?: number;
  /** Sign-in throttling and lockout (defaults: DEFAULT_THROTTLE). */
  throttle?: Partial<ThrottleSettings>;
  /** Concurrent argon2 hashes (default 4). */
  hashConcurrency?: number;
  /** Where time comes from (default: the system clock; tests pass a ManualClock). */
  clock?: Clock;
  /** SMTP when `smtpUrl` is set, else the dev outbox (default data/outbox); tests pass a `mailer`. */
  mail?: MailSettings;
  /** Base URL of the app that opens mailed links (default http://localhost:4000). */
  appUrl?: string;
  /** Lifetime of email verification links (default 24 h). */
  emailVerificationTtlSeconds?: number;
  /** Lifetime of password reset links (default 1 h). */
  passwordResetTtlSeconds?: number;
  /** `kid:base64key[,kid:base64key]` (32-byte AES keys; the first encrypts). Default: a public development key, with a warning. */
  encryptionKeys?: string;
  /** How recent a second-factor check must be for sensitive changes (default 600 s). */
  stepUpMaxAgeSeconds?: number;
  /** Sign-up only through a mailed link (SIGN_UP_VERIFICATION; default off here, on in production's env). */
  signUpVerification?: boolean;
  /** OpenID Connect sign-in providers (OIDC_PROVIDERS); validated here too. Default: none. */
  oidcProviders?: OidcProviderInput[];
}

export type UserSubgraph = StartedSubgraph<UserServices>;

// API keys are not people: every account and sign-in mutation, founding, joining or inviting
// into an organization, and its IP allow-list, refuse them.
const forPeopleOnly = (domain: typeof accounts, only?: string[]) => ({ ...domain, resolvers: refuseApiKeys(domain.resolvers as never, only) });

/** Accounts, sessions and tokens, organizations and their members, audit, OpenID Connect and API keys. */
export const subgraph = defineSubgraph({
  name: 'user',
  root: import.meta.url,
  domains: [
    forPeopleOnly(accounts),
    forPeopleOnly(organizations, ['createOrganization', 'acceptInvitation', 'inviteMember', 'setOrganizationIpAllowList']),
    audit,
    live,
    forPeopleOnly(oidc),
    forPeopleOnly(apiKeys),
  ],
  // Then the sensitive operations' recent-second-factor check (domains/accounts/step-up.ts).
  securePermissions: withStepUp,
  eventTables: { events, eventStreams, idempotencyKeys },
  search: userSearchSource,
  loaders: createLoaders,
  /** Loads the signing keys too. */
  services: async (core: SubgraphServices, options: UserSubgraphOptions): Promise<UserServices> => {
    const clock = options.clock ?? systemClock;
    const tokens = new TokenIssuer(core.db, { ...options.tokens, rotationDays: options.tokens.rotationDays ?? 30 }, clock);
    await tokens.init();
    return {
      ...core,
      tokens,
      clock,
      hasher: new PasswordHasher(options.hashConcurrency ?? 4),
      settings: {
        sessionTtlSeconds: options.sessionTtlSeconds,
        sessionIdleSeconds: options.sessionIdleSeconds ?? 7 * 86_400,
        throttle: { ...DEFAULT_THROTTLE, ...options.throttle },
        stepUpMaxAgeSeconds: options.stepUpMaxAgeSeconds ?? 600,
        signUpVerification: options.signUpVerification ?? false,
        email: {
          appUrl: options.appUrl ?? 'http://localhost:4000',
          verificationTtlSeconds: options.emailVerificationTtlSeconds ?? 86_400,
          passwordResetTtlSeconds: options.passwordResetTtlSeconds ?? 3600,
        },
      },
      mailer: createMailer(options.mail ?? {}, options.log),
      secrets: SecretBox.fromSetting(options.encryptionKeys, options.log),
      oidc: new OidcProviders(OidcProvidersSetting.parse(options.oidcProviders ?? []), options.log),
      background: new BackgroundWork(options.log),
      roles: membershipRoles(core.db),
    };
  },
  routes: (app, services, options) => {
    const { tokens } = services;
    // Only the gateway (its internal token, addressed to this subgraph) may ask the look-ups below.
    const fromGateway = async (req: express.Request, res: express.Response): Promise<boolean> => {
      const header = req.headers[INTERNAL_TOKEN_HEADER];
      const auth = await verifyInternalToken(options.internalTokenSecret, SUBGRAPH_NAME, Array.isArray(header) ? header[0] : header);
      if (!auth.ok) res.status(401).json({ error: 'INTERNAL_TOKEN_INVALID' });
      return auth.ok;
    };
    // Public keys for verifying access tokens; public by nature.
    app.get(JWKS_PATH, async (_req, res) => {
      res.set('cache-control', 'public, max-age=60').json((await tokens.fresh()).jwks());
    });
    // The gateway asks here whether a session is live and what roles its user holds.
    app.get(PRINCIPAL_PATH, async (req, res) => {
      if (!(await fromGateway(req, res))) return;
      const sessionId = String(req.query.sessionId ?? '');
      const userId = String(req.query.userId ?? '');
      const valid = /^[0-9a-f-]{36}$/i;
      const principal = valid.test(sessionId) && valid.test(userId) ? await principalForSession(services, sessionId, userId) : null;
      if (!principal) {
        res.status(404).json({ error: 'SESSION_NOT_FOUND' });
        return;
      }
      // Each organization's IP allow-list: the gateway withholds those that refuse the client's address.
      res.json({ ...principal, allowLists: await allowListsOf(services.db, Object.keys(principal.memberships)) });
    });
    // The same for many sessions at once: the gateway batches the look-ups of its requests and
    // of its open subscriptions' re-checks into one call.
    app.post(PRINCIPALS_PATH, express.json({ limit: '256kb' }), async (req, res) => {
      if (!(await fromGateway(req, res))) return;
      const asked: unknown = (req.body as { sessions?: unknown } | undefined)?.sessions;
      const valid = /^[0-9a-f-]{36}$/i;
      if (!Array.isArray(asked) || asked.length > MAX_PRINCIPALS_PER_LOOKUP) {
        res.status(400).json({ error: 'BAD_USER_INPUT' });
        return;
      }
      // Malformed entries are simply not live sessions (absent from the answer).
      const wanted = asked.filter(
        (a): a is { sessionId: string; userId: string } =>
          typeof a?.sessionId === 'string' && typeof a?.userId === 'string' && valid.test(a.sessionId) && valid.test(a.userId),
      );
      const found = await principalsForSessions(services, wanted);
      const orgs = [...new Set([...found.values()].flatMap((p) => Object.keys(p.memberships)))];
      const lists = await allowListsOf(services.db, orgs);
      const principals: Record<string, unknown> = {};
      for (const [sessionId, principal] of found) {
        const allowLists = Object.fromEntries(Object.keys(principal.memberships).filter((org) => lists[org]).map((org) => [org, lists[org]]));
        principals[sessionId] = { ...principal, allowLists };
      }
      res.json({ principals });
    });
    // The gateway resolves an API key here. The secret travels in a header (never in a URL,
    // which access logs keep); `ip` is the client address, checked against the key's allow-list.
    app.get(API_KEY_PATH, async (req, res) => {
      if (!(await fromGateway(req, res))) return;
      const secret = req.headers[API_KEY_SECRET_HEADER];
      const ip = typeof req.query.ip === 'string' && req.query.ip.length > 0 ? req.query.ip : null;
      const found = await resolveApiKey({ ...services, log: options.log }, typeof secret === 'string' ? secret : '', ip);
      if (!found.ok) {
        res.status(found.code === 'IP_NOT_ALLOWED' ? 403 : 404).json({ error: found.code });
        return;
      }
      res.json(found.principal);
    });
    },
  // After the server: mail still being sent.
  drain: (services) => services.background.idle(),
});

export const { name: SUBGRAPH_NAME, typeDefs, resolvers, permissions, eventChannelPrefix: EVENT_CHANNEL_PREFIX, start: startUserSubgraph } = subgraph;
