import { randomBytes } from 'node:crypto';
import { createLogger, databaseUrlsFrom, SUBGRAPHS, startTracing } from '@organoise/core';
import { DEMO_PASSWORD, DEMO_USERS, DEVELOPMENT_ORIGINS, seedDemo, startPlatform } from '@organoise/platform';
import { env } from './env.js';

/**
 * `npm start`: the whole platform in one process on the embedded default (PGlite in DATA_DIR,
 * local disk for files), or on real Postgres when DATABASE_URL is set. Subgraphs listen on
 * PORT plus each one's portOffset (packages/core/src/subgraphs.ts), the gateway on PORT.
 */
const log = createLogger({ app: 'organoise' }, env.LOG_LEVEL);
const production = env.NODE_ENV === 'production';
if (production && (!env.INTERNAL_TOKEN_SECRET || !env.ENCRYPTION_KEYS || !env.PUBLIC_APP_URL)) {
  log.error('INTERNAL_TOKEN_SECRET, ENCRYPTION_KEYS and PUBLIC_APP_URL are required in production');
  process.exit(1);
}
// One process: a fresh secret per start is enough (access tokens are signed with keys kept in the database).
const internalTokenSecret = env.INTERNAL_TOKEN_SECRET ?? randomBytes(32).toString('hex');

// One process, one tracer: each span names its service (docs/operations.md).
if (env.OTEL_EXPORTER_OTLP_ENDPOINT) startTracing({ endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: 'organoise' });

const platform = await startPlatform({
  databaseUrls: databaseUrlsFrom(env),
  dataDir: env.DATA_DIR,
  fileStorageDir: env.FILE_STORAGE_DIR ?? `${env.DATA_DIR}/files`,
  maxUploadBytes: env.MAX_UPLOAD_BYTES,
  internalTokenSecret,
  accessTokenIssuer: env.ACCESS_TOKEN_ISSUER,
  accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
  host: env.HOST,
  redisUrl: env.REDIS_URL,
  user: {
    appUrl: env.PUBLIC_APP_URL ?? 'http://localhost:4000',
    throttle: {
      accountMaxFailures: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      ipMaxFailures: env.LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: env.LOGIN_FAILURE_WINDOW_SECONDS,
      lockoutSeconds: env.LOGIN_LOCKOUT_SECONDS,
    },
    signUpVerification: (env.SIGN_UP_VERIFICATION ?? (production ? 'on' : 'off')) === 'on',
    ...(env.ENCRYPTION_KEYS ? { encryptionKeys: env.ENCRYPTION_KEYS } : {}),
    ...(env.SMTP_URL ? { mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM } } : {}),
    oidcProviders: env.OIDC_PROVIDERS,
  },
  ports: { gateway: env.PORT, ...Object.fromEntries(SUBGRAPHS.map((s) => [s.name, env.PORT + s.portOffset])) },
  playground: !production,
  web: true,
  introspection: !production,
  gateway: {
    corsOrigins: env.CORS_ORIGINS ?? (production ? [] : DEVELOPMENT_ORIGINS),
    // Production runs only the clients' known operations, as the standalone gateway does.
    protection: { safelist: { mode: env.SAFELIST ?? (production ? 'enforce' : 'off'), ...(env.SAFELIST_PATH ? { path: env.SAFELIST_PATH } : {}) } },
  },
  log,
});

// The demo data is for trying the platform out, not for production (whose safelist would refuse the seeding).
const seed = env.SEED_DEMO === undefined ? !production : env.SEED_DEMO === 'true' || env.SEED_DEMO === '1';
const seeded = seed ? await seedDemo(platform.gateway.url) : null;
const storage = `${env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${env.DATA_DIR}/pglite`}; events ${env.REDIS_URL ? 'through Redis (REDIS_URL)' : 'in process'}`;
const lines = [
  '',
  'OrgaNoise is running',
  `  web app           ${new URL('/', platform.gateway.url).href}`,
  `  GraphQL gateway   ${platform.gateway.url}${production ? '' : '   (open it in a browser for the playground)'}`,
  ...Object.entries(platform.subgraphs).map(([name, s]) => `  ${`${name} subgraph`.padEnd(17)} ${s.url}`),
  `  storage           ${storage}`,
  ...(seeded
    ? [
        '',
        `Demo organization "${seeded.organizationName}" (${seeded.created ? 'created now' : 'already there'}). Sign in with any of:`,
        ...DEMO_USERS.map((u) => `  ${u.email.padEnd(28)} ${u.role.padEnd(7)} password: ${DEMO_PASSWORD}`),
        '',
        'e.g. mutation { signIn(input: { email: "' + DEMO_USERS[0]!.email + '", password: "' + DEMO_PASSWORD + '" }) { accessToken } }',
      ]
    : []),
  '',
  'Ctrl+C stops everything.',
  '',
];
process.stdout.write(lines.join('\n'));

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    void platform.close().then(() => process.exit(0));
  });
}
