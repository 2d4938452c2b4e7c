import { runSubgraphMain } from '@organoise/core';
import { env } from './env.js';
import { subgraph } from './index.js';

await runSubgraphMain({
  subgraph,
  env,
  options: (e) => ({
    ...(e.FILE_STORAGE === 's3'
      ? {
          s3: {
            bucket: e.S3_BUCKET!,
            region: e.S3_REGION,
            ...(e.S3_ENDPOINT ? { endpoint: e.S3_ENDPOINT } : {}),
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
            ...(e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY ? { credentials: { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY } } : {}),
          },
        }
      : { storageDir: e.FILE_STORAGE_DIR }),
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    fileRetentionDays: e.FILE_RETENTION_DAYS,
    uploads: {
      defaultMaxBytes: e.UPLOAD_MAX_BYTES,
      defaultContentTypes: e.UPLOAD_CONTENT_TYPES,
      uploadTtlMs: e.UPLOAD_TTL_HOURS * 3600 * 1000,
      downloadUrlTtlSeconds: e.DOWNLOAD_URL_TTL_SECONDS,
    },
    processing: {
      concurrency: e.FILE_PROCESSING_CONCURRENCY,
      maxAttempts: e.FILE_PROCESSING_MAX_ATTEMPTS,
      retryDelaySeconds: e.FILE_PROCESSING_RETRY_DELAY_SECONDS,
      retryDelayMaxSeconds: e.FILE_PROCESSING_RETRY_DELAY_MAX_SECONDS,
      timeoutSeconds: e.FILE_PROCESSING_TIMEOUT_SECONDS,
      maxBytes: e.FILE_PROCESSING_MAX_BYTES,
    },
    workflowUrl: e.SUBGRAPH_WORKFLOW_URL,
  }),
});
