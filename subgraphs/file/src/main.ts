import { createLogger, createPubSub } from '@organoise/core';
import { env } from './env.js';
import { startFileSubgraph } from './index.js';

// Standalone entry point (one process per subgraph in production).
const log = createLogger({ service: 'file' }, env.LOG_LEVEL);
if (!env.INTERNAL_TOKEN_SECRET) {
  log.error('INTERNAL_TOKEN_SECRET is required when a subgraph runs on its own');
  process.exit(1);
}
const pubsub = createPubSub(env.REDIS_URL, (error) => log.warn('redis error', { error }));
const server = await startFileSubgraph({
  database: { url: env.FILE_DATABASE_URL ?? env.DATABASE_URL, dataDir: `${env.DATA_DIR}/pglite/file` },
  internalTokenSecret: env.INTERNAL_TOKEN_SECRET,
  storageDir: env.FILE_STORAGE_DIR,
  maxUploadBytes: env.MAX_UPLOAD_BYTES,
  workflowUrl: env.SUBGRAPH_WORKFLOW_URL,
  log,
  port: env.PORT,
  host: env.HOST,
  pubsub,
  eventRetentionHours: env.EVENT_RETENTION_HOURS,
});
log.info('file subgraph listening', { url: server.url });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => pubsub.close()).then(() => process.exit(0)));
}
