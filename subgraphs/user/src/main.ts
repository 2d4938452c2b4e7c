import { createLogger, createPubSub } from '@organoise/core';
import { env } from './env.js';
import { startUserSubgraph } from './index.js';

// Standalone entry point (one process per subgraph in production).
const log = createLogger({ service: 'user' }, env.LOG_LEVEL);
if (!env.INTERNAL_TOKEN_SECRET) {
  log.error('INTERNAL_TOKEN_SECRET is required when a subgraph runs on its own');
  process.exit(1);
}
// What production cannot do without refuses to start rather than run on a development default.
for (const [name, missing, why] of [
  ['ENCRYPTION_KEYS', !env.ENCRYPTION_KEYS, 'the development key is public'],
  ['PUBLIC_APP_URL', !env.PUBLIC_APP_URL, 'mailed links would point at localhost'],
] as const) {
  if (env.NODE_ENV === 'production' && missing) {
    log.error(`${name} is required in production (${why})`);
    process.exit(1);
  }
}
const pubsub = createPubSub(env.REDIS_URL, (error) => log.warn('redis error', { error }));
const server = await startUserSubgraph({
  database: { url: env.USER_DATABASE_URL ?? env.DATABASE_URL, dataDir: `${env.DATA_DIR}/pglite/user` },
  internalTokenSecret: env.INTERNAL_TOKEN_SECRET,
  tokens: { issuer: env.ACCESS_TOKEN_ISSUER, ttlSeconds: env.ACCESS_TOKEN_TTL_SECONDS, rotationDays: env.SIGNING_KEY_ROTATION_DAYS },
  sessionTtlSeconds: env.SESSION_TTL_SECONDS,
  sessionIdleSeconds: env.SESSION_IDLE_SECONDS,
  hashConcurrency: env.HASH_CONCURRENCY,
  throttle: {
    accountMaxFailures: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    ipMaxFailures: env.LOGIN_MAX_FAILURES_PER_IP,
    windowSeconds: env.LOGIN_FAILURE_WINDOW_SECONDS,
    lockoutSeconds: env.LOGIN_LOCKOUT_SECONDS,
  },
  mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, outboxDir: `${env.DATA_DIR}/outbox` },
  appUrl: env.PUBLIC_APP_URL ?? 'http://localhost:4000',
  emailVerificationTtlSeconds: env.EMAIL_VERIFICATION_TTL_SECONDS,
  passwordResetTtlSeconds: env.PASSWORD_RESET_TTL_SECONDS,
  encryptionKeys: env.ENCRYPTION_KEYS,
  stepUpMaxAgeSeconds: env.STEP_UP_MAX_AGE_SECONDS,
  signUpVerification: (env.SIGN_UP_VERIFICATION ?? (env.NODE_ENV === 'production' ? 'on' : 'off')) === 'on',
  oidcProviders: env.OIDC_PROVIDERS,
  pubsub,
  eventRetentionHours: env.EVENT_RETENTION_HOURS,
  log,
  port: env.PORT,
  host: env.HOST,
});
log.info('user subgraph listening', { url: server.url });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => pubsub.close()).then(() => process.exit(0)));
}
