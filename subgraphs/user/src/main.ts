import { createLogger } from '@organoise/core';
import { env } from './env.js';
import { startUserSubgraph } from './index.js';

// Standalone entry point (one process per subgraph in production).
const log = createLogger({ service: 'user' }, env.LOG_LEVEL);
if (!env.INTERNAL_TOKEN_SECRET) {
  log.error('INTERNAL_TOKEN_SECRET is required when a subgraph runs on its own');
  process.exit(1);
}
const server = await startUserSubgraph({
  database: { url: env.USER_DATABASE_URL ?? env.DATABASE_URL, dataDir: `${env.DATA_DIR}/pglite/user` },
  internalTokenSecret: env.INTERNAL_TOKEN_SECRET,
  tokens: { issuer: env.ACCESS_TOKEN_ISSUER, ttlSeconds: env.ACCESS_TOKEN_TTL_SECONDS },
  sessionTtlSeconds: env.SESSION_TTL_SECONDS,
  log,
  port: env.PORT,
  host: env.HOST,
});
log.info('user subgraph listening', { url: server.url });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
