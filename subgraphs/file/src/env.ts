import { bool, localUrlOf, optionalUrl, parseEnv, subgraphSettings, z } from '@organoise/core';

/** Every setting of the file subgraph: those every subgraph has, then its own (README lists them). */
export const env = parseEnv(
  z
    .object({
      ...subgraphSettings('file'),
      /** Where LocalDiskStorage keeps the bytes; `${DATA_DIR}/files` when unset. */
      FILE_STORAGE_DIR: z
        .string()
        .optional()
        .transform((v) => (v && v.trim() !== '' ? v : undefined)),
      // Uploads travel base64 inside a JSON body held in memory, so the ceiling stays modest.
      MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).max(256 * 1024 * 1024).default(10 * 1024 * 1024),
      /** `local` (LocalDiskStorage under FILE_STORAGE_DIR) or `s3` (S3Storage: the S3_* settings). */
      FILE_STORAGE: z.enum(['local', 's3']).default('local'),
      S3_BUCKET: z.string().optional(),
      S3_REGION: z.string().min(1).default('us-east-1'),
      /** Any S3-compatible endpoint (MinIO, R2...); AWS's own when unset. */
      S3_ENDPOINT: optionalUrl(),
      S3_FORCE_PATH_STYLE: bool(false),
      /** Both or neither; neither = the AWS SDK's default chain (environment, profile, instance role). */
      S3_ACCESS_KEY_ID: z.string().optional(),
      S3_SECRET_ACCESS_KEY: z.string().optional(),
      /** Direct uploads: an organization's largest file until an admin sets its own (GraphQL's Int caps it). */
      UPLOAD_MAX_BYTES: z.coerce.number().int().min(1).max(2 ** 31 - 1).default(1024 * 1024 * 1024),
      /** Direct uploads: comma-separated media types or type/* accepted by default; unset = every type. */
      UPLOAD_CONTENT_TYPES: z
        .string()
        .optional()
        .transform((v) => (v && v.trim() !== '' ? v.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean) : null)),
      UPLOAD_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 7).default(24),
      DOWNLOAD_URL_TTL_SECONDS: z.coerce.number().int().min(10).max(24 * 3600).default(300),
      /** Processing after upload (domains/processing): jobs this instance runs at once; 0 = it only queues them. */
      FILE_PROCESSING_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(2),
      /** Tries in all before a processing job is dead-lettered (file-processing-dead). */
      FILE_PROCESSING_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
      /** The first retry's delay; each next one about doubles (with jitter), up to FILE_PROCESSING_RETRY_DELAY_MAX_SECONDS. */
      FILE_PROCESSING_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
      FILE_PROCESSING_RETRY_DELAY_MAX_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).default(600),
      /** A try still running after this long (a crashed or stuck worker) is failed and retried. */
      FILE_PROCESSING_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(24 * 3600).default(300),
      /** Larger files are only sniffed (no text, no thumbnail): processing holds a file in memory. */
      FILE_PROCESSING_MAX_BYTES: z.coerce.number().int().min(1).max(1024 * 1024 * 1024).default(64 * 1024 * 1024),
      /** Days a deleted file can be restored (restoreFile) before its bytes, then its rows, are purged. */
      FILE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
      /** The workflow subgraph, asked whether a run id may be attached to a file (its default address when unset). */
      SUBGRAPH_WORKFLOW_URL: z.string().url().default(localUrlOf('workflow', '127.0.0.1')),
    })
    .refine((e) => e.FILE_STORAGE !== 's3' || !!e.S3_BUCKET, { message: 'S3_BUCKET is required when FILE_STORAGE=s3', path: ['S3_BUCKET'] })
    .refine((e) => !e.S3_ACCESS_KEY_ID === !e.S3_SECRET_ACCESS_KEY, { message: 'give both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither', path: ['S3_ACCESS_KEY_ID'] })
    .transform((e) => ({ ...e, FILE_STORAGE_DIR: e.FILE_STORAGE_DIR ?? `${e.DATA_DIR}/files` })),
  process.env,
);
