import { z } from 'zod';
import { parseEnv } from '../env.js';

/** Settings of the test harness (the vitest projects set TEST_DATABASE). */
export const testEnv = parseEnv(
  z.object({
    TEST_DATABASE: z.enum(['pglite', 'postgres']).default('pglite'),
    TEST_POSTGRES_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/postgres'),
    TEST_REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
    /** Chromium for browser tests: Debian's package here, Google Chrome on GitHub runners. */
    CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
    TEST_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('silent'),
  }),
  process.env,
);
