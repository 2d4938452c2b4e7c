import { databaseUrlSettings, optionalUrl, originList, parseEnv, z } from '@organoise/core';
import { oidcProvidersFromText } from '@organoise/subgraph-user';

// @apollo/gateway sends usage telemetry unless this is set before it is constructed.
process.env.APOLLO_TELEMETRY_DISABLED = 'true';

/** Settings of `npm start` (the whole platform in one process). README lists every one. */
export const env = parseEnv(
  z.object({
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    HOST: z.string().default('127.0.0.1'),
    DATABASE_URL: optionalUrl(),
    /** <NAME>_DATABASE_URL: one subgraph's own database (packages/core/src/subgraphs.ts lists them). */
    ...databaseUrlSettings(),
    DATA_DIR: z.string().default('data'),
    REDIS_URL: optionalUrl(),
    FILE_STORAGE_DIR: z.string().optional(),
    MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).default(10 * 1024 * 1024),
    INTERNAL_TOKEN_SECRET: z.string().min(32).optional(),
    ACCESS_TOKEN_ISSUER: z.string().default('organoise'),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).default(3600),
    /** Create the demo organization (unset: yes, except in production). */
    SEED_DEMO: z.enum(['true', 'false', '1', '0']).optional(),
    /** `enforce`: only operations in the safelist run, as the standalone gateway does. Unset: `enforce` in production, `off` otherwise. */
    SAFELIST: z.enum(['off', 'enforce']).optional(),
    /** Apollo persisted query manifest; default schema/safelist.json. */
    SAFELIST_PATH: z.string().optional(),
    /** SMTP server for verification and reset mail; unset: JSON files in DATA_DIR/outbox. */
    SMTP_URL: optionalUrl(),
    MAIL_FROM: z.string().optional(),
    /** Base URL of the app that opens mailed links (http://localhost:4000 outside production; required in production). */
    PUBLIC_APP_URL: z.string().url().optional(),
    /** `on`: sign-up completes through a mailed link and never tells whether an address has an account. Default: on in production. */
    SIGN_UP_VERIFICATION: z.enum(['on', 'off']).optional(),
    /** Sign-in throttling (README: failures before waits start, per email and per address; forgetting window; longest wait). */
    LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
    LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(50),
    LOGIN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
    LOGIN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).default(900),
    /** `kid:base64key[,kid:base64key]` for secrets stored by the platform (TOTP); required in production. */
    ENCRYPTION_KEYS: z.string().optional(),
    /** OpenID Connect sign-in providers (JSON array; README lists the fields). */
    OIDC_PROVIDERS: oidcProvidersFromText(),
    /** Web origins allowed to call the gateway from a browser; unset: none in production, the dev servers' otherwise. */
    CORS_ORIGINS: originList(),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('warn'),
    /** OTLP/HTTP collector (`http://localhost:4318`): every service's traces go to <endpoint>/v1/traces. Unset: tracing off. */
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(),
    NODE_ENV: z.string().default('development'),
  }),
  process.env,
);
