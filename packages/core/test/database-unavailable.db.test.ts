import { DrizzleQueryError } from 'drizzle-orm/errors';
import postgres from 'postgres';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createErrorFormatter, createLogger } from '../src/index.js';
import { testEnv } from '../src/testing/index.js';
import { freePort } from '../src/testing/services.js';

// A service whose database is out of reach answers with a catalogued code that tells the truth
// about the write: DATABASE_UNAVAILABLE when no statement ran (nothing was done), OUTCOME_UNKNOWN
// when the connection was lost while working (a COMMIT may have been in flight). Real failures of
// postgres.js: a closed port, and a backend terminated on the machine's PostgreSQL (not stopped).
const format = () => createErrorFormatter(createLogger({ test: true }, 'silent'));
const wrapped = (cause: unknown) => new DrizzleQueryError('insert into t values ($1)', ['secret'], cause as Error);

afterEach(() => vi.restoreAllMocks());

async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('a database out of reach', () => {
  it('answers a refused connection with DATABASE_UNAVAILABLE (nothing was done), directly or through drizzle', async () => {
    const sql = postgres(`postgres://postgres@127.0.0.1:${await freePort()}/none`, { max: 1, connect_timeout: 2, onnotice: () => {} });
    const error = await failureOf(() => sql`select 1`);
    await sql.end({ timeout: 1 });
    for (const e of [error, wrapped(error)]) {
      const formatted = format()({ message: String(e), extensions: {} }, e);
      expect(formatted.extensions).toEqual({ code: 'DATABASE_UNAVAILABLE' });
      expect(formatted.message).not.toContain('127.0.0.1');
    }
  });

  it('answers a connection lost while working with OUTCOME_UNKNOWN (the write may have been saved)', async () => {
    const url = testEnv.TEST_POSTGRES_URL;
    const victim = postgres(url, { max: 1, onnotice: () => {} });
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await victim<{ pid: number }[]>`select pg_backend_pid() as pid`;
      const pid = row!.pid;
      const pending = failureOf(() => victim`select pg_sleep(30)`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await admin`select pg_terminate_backend(${pid})`;
      const error = await pending;
      for (const e of [error, wrapped(error)]) {
        expect(format()({ message: String(e), extensions: {} }, e).extensions).toEqual({ code: 'OUTCOME_UNKNOWN', reason: 'database-connection-lost' });
      }
    } finally {
      await victim.end({ timeout: 1 });
      await admin.end({ timeout: 1 });
    }
  });
});
