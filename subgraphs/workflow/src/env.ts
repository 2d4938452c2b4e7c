import { optionalUrl, parseEnv, port, z } from '@organoise/core';

/** Every setting of the workflow subgraph. */
export const env = parseEnv(
  z.object({
    PORT: port(4002),
    HOST: z.string().default('127.0.0.1'),
    DATABASE_URL: optionalUrl(),
    WORKFLOW_DATABASE_URL: optionalUrl(),
    DATA_DIR: z.string().default('data'),
    INTERNAL_TOKEN_SECRET: z.string().min(32).optional(),
    /** Shared by every replica so subscribers on one see events committed through another; in memory when unset. */
    REDIS_URL: optionalUrl(),
    EVENT_RETENTION_HOURS: z.coerce.number().positive().default(24),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    NODE_ENV: z.string().default('development'),
  }),
  process.env,
);
