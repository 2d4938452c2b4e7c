import { optionalUrl, parseEnv, z } from '@organoise/core';

/** Settings of `npm run onebox` (README lists every one). */
export const env = parseEnv(
  z.object({
    /** haproxy's public port, in front of the gateways. */
    ONEBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    HOST: z.string().default('127.0.0.1'),
    /** The Postgres server on which a fresh database is created for this run (and dropped on Ctrl-C). */
    ONEBOX_POSTGRES_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/postgres'),
    /** An existing database to run on instead (kept). */
    ONEBOX_DATABASE_URL: optionalUrl(),
    REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
    ONEBOX_REPLICAS: z.coerce.number().int().min(1).max(8).default(2),
    HAPROXY: z.string().default('haproxy'),
    SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).default(2500),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('warn'),
    SEED_DEMO: z.enum(['true', 'false', '1', '0']).default('true'),
  }),
  process.env,
);

/** What every started process inherits (PATH, NODE_OPTIONS...): its own settings go on top. */
export const inheritedEnv: Record<string, string | undefined> = { ...process.env };
