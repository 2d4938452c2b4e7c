import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** The drizzle database every data-access module takes; the same type on PGlite and Postgres. */
export type Database = PgDatabase<PgQueryResultHKT, Record<string, never>>;

export interface DatabaseOptions {
  /** postgres:// URL. Without it the service runs on embedded PGlite. */
  url?: string | undefined;
  /** PGlite data folder; 'memory' keeps everything in memory (tests). */
  dataDir?: string | undefined;
  /** The Postgres schema this service owns (each subgraph owns one). */
  schema: string;
  /** Folder of drizzle-kit migrations, applied on open. */
  migrationsFolder: string;
  poolMax?: number | undefined;
  /** Called with every SQL statement (tests count queries to prove batching). */
  onQuery?: ((sql: string) => void) | undefined;
}

export interface OpenDatabase {
  db: Database;
  driver: 'postgres' | 'pglite';
  /** Cheap liveness probe for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<OpenDatabase> {
  const migrationConfig = {
    migrationsFolder: options.migrationsFolder,
    // One journal per service, so services migrate independently. It cannot live in the service's
    // own schema: the first migration creates that schema and would fail if it already existed.
    migrationsSchema: 'drizzle',
    migrationsTable: `${options.schema}_migrations`,
  };
  if (options.url) {
    const client = postgres(options.url, {
      max: options.poolMax ?? 10,
      onnotice: () => {},
    });
    const db = drizzlePostgres(client, { logger: queryLogger(options) }) as unknown as Database;
    // One lock per database, not per service: every service's journal lives in the shared
    // `drizzle` schema, and two services creating it at once collide (CREATE SCHEMA IF NOT
    // EXISTS is not safe against a concurrent creator).
    await withAdvisoryLock(options.url, 'organoise:migrate', () =>
      migratePostgres(db as never, migrationConfig),
    );
    return {
      db,
      driver: 'postgres',
      ping: async () => {
        await client`select 1`;
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  const dataDir = options.dataDir ?? 'memory';
  if (dataDir !== 'memory') mkdirSync(dataDir, { recursive: true });
  const pglite = dataDir === 'memory' ? new PGlite() : new PGlite(dataDir);
  await pglite.waitReady;
  const db = drizzlePglite(pglite, { logger: queryLogger(options) }) as unknown as Database;
  await migratePglite(db as never, migrationConfig);
  return {
    db,
    driver: 'pglite',
    ping: async () => {
      await pglite.query('select 1');
    },
    close: () => pglite.close(),
  };
}

const queryLogger = (options: DatabaseOptions) => (options.onQuery ? { logQuery: (sql: string) => options.onQuery!(sql) } : false);

/**
 * Several replicas (and services) start at once on Kubernetes; only one may run migrations at a time. A session
 * advisory lock on a dedicated connection serialises them (the others wait, then find nothing to do).
 */
async function withAdvisoryLock<T>(url: string, key: string, work: () => Promise<T>): Promise<T> {
  const lockClient = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await lockClient`select pg_advisory_lock(hashtext(${key}))`;
    try {
      return await work();
    } finally {
      await lockClient`select pg_advisory_unlock(hashtext(${key}))`;
    }
  } finally {
    await lockClient.end({ timeout: 5 });
  }
}

/** Postgres error code of a failed query, looking through drizzle's wrapper. */
export function pgErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export const isUniqueViolation = (error: unknown) => pgErrorCode(error) === '23505';
/** Which unique constraint was violated, when the driver says. */
export function violatedConstraint(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const name = (current as { constraint_name?: unknown; constraint?: unknown }).constraint_name ??
      (current as { constraint?: unknown }).constraint;
    if (typeof name === 'string') return name;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
