import { optionalUrl, parseEnv, subgraphSettings, z } from '@organoise/core';
import { oidcProvidersFromText } from './domains/oidc/config.js';

/** Every setting of the user subgraph: those every subgraph has, then its own (README lists them). */
export const env = parseEnv(
  z.object({
    ...subgraphSettings('user'),
    ACCESS_TOKEN_ISSUER: z.string().default('organoise'),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
    SESSION_TTL_SECONDS: z.coerce.number().int().min(300).default(30 * 86_400),
    /** A session unused this long ends (the absolute limit is SESSION_TTL_SECONDS). */
    SESSION_IDLE_SECONDS: z.coerce.number().int().min(300).default(7 * 86_400),
    /** Concurrent argon2id hashes (19 MiB each). */
    HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    /** Failed checks of one email (device, second factor) before each further one makes it wait, doubling from 2 s. */
    LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
    /** The same for one client address. */
    LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(50),
    /** A key that goes this long without a failure is forgotten. */
    LOGIN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
    /** The longest wait. */
    LOGIN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).default(900),
    /** Mail goes through this SMTP server (smtp:// or smtps://); without it, to ${DATA_DIR}/outbox as files. */
    SMTP_URL: optionalUrl(),
    MAIL_FROM: z.string().default('OrgaNoise <no-reply@organoise.local>'),
    /** Base URL of the app that opens mailed links (http://localhost:4000 outside production; required in production). */
    PUBLIC_APP_URL: z.string().url().optional(),
    /** `on`: sign-up completes through a mailed link and never tells whether an address has an account. Default: on in production. */
    SIGN_UP_VERIFICATION: z.enum(['on', 'off']).optional(),
    EMAIL_VERIFICATION_TTL_SECONDS: z.coerce.number().int().min(300).default(86_400),
    PASSWORD_RESET_TTL_SECONDS: z.coerce.number().int().min(300).max(86_400).default(3600),
    /** `kid:base64key[,kid:base64key]`: AES-256 keys for stored secrets (TOTP); the first encrypts, all decrypt. */
    ENCRYPTION_KEYS: z.string().optional(),
    /** Sensitive changes of an account with two factors need the second one verified this recently. */
    STEP_UP_MAX_AGE_SECONDS: z.coerce.number().int().min(30).max(86_400).default(600),
    /** A signing key older than this is replaced; the old one stays published until its tokens expire. */
    SIGNING_KEY_ROTATION_DAYS: z.coerce.number().min(1).default(30),
    /** JSON array of OpenID Connect providers: [{id, name?, issuer, clientId, clientSecret?, scopes?, redirectUri}]. */
    OIDC_PROVIDERS: oidcProvidersFromText(),
  }),
  process.env,
);
