import { runSubgraphMain } from '@organoise/core';
import { env } from './env.js';
import { subgraph } from './index.js';

await runSubgraphMain({
  subgraph,
  env,
  requiredInProduction: { ENCRYPTION_KEYS: 'the development key is public', PUBLIC_APP_URL: 'mailed links would point at localhost' },
  options: (e) => ({
    tokens: { issuer: e.ACCESS_TOKEN_ISSUER, ttlSeconds: e.ACCESS_TOKEN_TTL_SECONDS, rotationDays: e.SIGNING_KEY_ROTATION_DAYS },
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    sessionIdleSeconds: e.SESSION_IDLE_SECONDS,
    hashConcurrency: e.HASH_CONCURRENCY,
    throttle: {
      accountMaxFailures: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      ipMaxFailures: e.LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: e.LOGIN_FAILURE_WINDOW_SECONDS,
      lockoutSeconds: e.LOGIN_LOCKOUT_SECONDS,
    },
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, outboxDir: `${e.DATA_DIR}/outbox` },
    appUrl: e.PUBLIC_APP_URL ?? 'http://localhost:4000',
    emailVerificationTtlSeconds: e.EMAIL_VERIFICATION_TTL_SECONDS,
    passwordResetTtlSeconds: e.PASSWORD_RESET_TTL_SECONDS,
    encryptionKeys: e.ENCRYPTION_KEYS,
    stepUpMaxAgeSeconds: e.STEP_UP_MAX_AGE_SECONDS,
    signUpVerification: (e.SIGN_UP_VERIFICATION ?? (e.NODE_ENV === 'production' ? 'on' : 'off')) === 'on',
    oidcProviders: e.OIDC_PROVIDERS,
  }),
});
