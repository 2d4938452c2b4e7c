import { optionalUrl, parseEnv, port, z } from '@organoise/core';

/** Every setting of the user subgraph (README lists them). */
export const env = parseEnv(
  z.object({
    PORT: port(4001),
    HOST: z.string().default('127.0.0.1'),
    DATABASE_URL: optionalUrl(),
    USER_DATABASE_URL: optionalUrl(),
    DATA_DIR: z.string().default('data'),
    INTERNAL_TOKEN_SECRET: z.string().min(32).optional(),
    ACCESS_TOKEN_ISSUER: z.string().default('organoise'),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
    SESSION_TTL_SECONDS: z.coerce.number().int().min(300).default(30 * 86_400),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    NODE_ENV: z.string().default('development'),
  }),
  process.env,
);
