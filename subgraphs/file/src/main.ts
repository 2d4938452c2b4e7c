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
  ...(env.FILE_STORAGE === 's3'
    ? {
        s3: {
          bucket: env.S3_BUCKET!,
          region: env.S3_REGION,
          ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
          forcePathStyle: env.S3_FORCE_PATH_STYLE,
          ...(env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY ? { credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY } } : {}),
        },
      }
    : { storageDir: env.FILE_STORAGE_DIR }),
  maxUploadBytes: env.MAX_UPLOAD_BYTES,
  uploads: {
    defaultMaxBytes: env.UPLOAD_MAX_BYTES,
    defaultContentTypes: env.UPLOAD_CONTENT_TYPES,
    uploadTtlMs: env.UPLOAD_TTL_HOURS * 3600 * 1000,
    downloadUrlTtlSeconds: env.DOWNLOAD_URL_TTL_SECONDS,
  },
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
