import { optionalUrl, parseEnv, port, z } from '@organoise/core';

/** Every setting of the file subgraph (README lists them). */
export const env = parseEnv(
  z
    .object({
      PORT: port(4003),
      HOST: z.string().default('127.0.0.1'),
      DATABASE_URL: optionalUrl(),
      FILE_DATABASE_URL: optionalUrl(),
      DATA_DIR: z.string().default('data'),
      /** Where LocalDiskStorage keeps the bytes; `${DATA_DIR}/files` when unset. */
      FILE_STORAGE_DIR: z
        .string()
        .optional()
        .transform((v) => (v && v.trim() !== '' ? v : undefined)),
      // Uploads travel base64 inside a JSON body held in memory, so the ceiling stays modest.
      MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).max(256 * 1024 * 1024).default(10 * 1024 * 1024),
      INTERNAL_TOKEN_SECRET: z.string().min(32).optional(),
      /** The workflow subgraph, asked whether a run id may be attached to a file (its default address when unset). */
      SUBGRAPH_WORKFLOW_URL: z.string().url().default('http://127.0.0.1:4002/graphql'),
      /** Shared by every replica so subscribers on one see events committed through another; in memory when unset. */
      REDIS_URL: optionalUrl(),
      EVENT_RETENTION_HOURS: z.coerce.number().positive().default(24),
      LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    })
    .transform((e) => ({ ...e, FILE_STORAGE_DIR: e.FILE_STORAGE_DIR ?? `${e.DATA_DIR}/files` })),
  process.env,
);
