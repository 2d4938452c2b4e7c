import { mkdirSync } from 'node:fs';
import { PGlite, type Extensions } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { observeQuery, watchPool } from './metrics.js';
import { SUBGRAPHS } from './subgraphs.js';
import { startClientSpan } from './tracing.js';

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
  /**
   * Postgres extensions PGlite must load before the migrations run (their CREATE EXTENSION), e.g.
   * `{ pg_trgm }` from '@electric-sql/pglite/contrib/pg_trgm'. A Postgres server has its contrib
   * modules installed already.
   */
  pgliteExtensions?: Extensions | undefined;
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
    const unwatch = instrumentPostgres(client, serviceOf(options.schema), options.poolMax ?? 10);
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
      close: () => {
        unwatch();
        return client.end({ timeout: 5 });
      },
    };
  }
  const dataDir = options.dataDir ?? 'memory';
  if (dataDir !== 'memory') mkdirSync(dataDir, { recursive: true });
  const extensions = options.pgliteExtensions ? { extensions: options.pgliteExtensions } : {};
  const pglite = dataDir === 'memory' ? new PGlite(extensions) : new PGlite(dataDir, extensions);
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

const serviceOf = (schema: string) => SUBGRAPHS.find((s) => s.databaseSchema === schema)?.name ?? schema;

type PendingQuery = PromiseLike<unknown> & { then: PromiseLike<unknown>['then'] };

/**
 * Measures every statement at the one place core opens the driver (postgres.js has no official
 * OpenTelemetry instrumentation, and drizzle's logger hook sees a statement only before it runs):
 * `unsafe`, which drizzle sends every statement through, is wrapped on the pool and on each
 * transaction's and savepoint's connection. A statement's time runs from when it is awaited (when
 * postgres.js sends it) to its answer: a histogram observe, and a span (with the SQL text, never
 * its parameters) when tracing is on. Open transactions and statements outside them are counted
 * for the pool gauges.
 */
function instrumentPostgres(client: postgres.Sql, service: string, max: number): () => void {
  let inFlight = 0;
  const track = (pending: PendingQuery, query: string, counted: boolean): PendingQuery => {
    const then = pending.then;
    pending.then = function (this: PendingQuery, onFulfilled, onRejected) {
      const started = performance.now();
      const span = startClientSpan('postgres', { 'db.system.name': 'postgresql', 'db.query.text': query, 'organoise.service': service });
      if (counted) inFlight++;
      let done = false;
      const end = (error?: unknown) => {
        if (done) return;
        done = true;
        if (counted) inFlight--;
        observeQuery(service, (performance.now() - started) / 1000);
        span?.end(error);
      };
      return then.call(
        this,
        (value) => {
          end();
          return onFulfilled ? onFulfilled(value) : (value as never);
        },
        (error: unknown) => {
          end(error);
          if (onRejected) return onRejected(error);
          throw error;
        },
      );
    } as PendingQuery['then'];
    return pending;
  };
  type Connection = Pick<postgres.Sql, 'unsafe'> & { begin?: unknown; savepoint?: unknown };
  const wrap = (sql: Connection, counted: boolean) => {
    const unsafe = sql.unsafe;
    sql.unsafe = ((query: string, ...rest: unknown[]) => track((unsafe as (...a: unknown[]) => PendingQuery).call(sql, query, ...rest), query, counted)) as never;
    // A transaction's (or savepoint's) statements run on its own connection: measured, not counted again.
    for (const method of ['begin', 'savepoint'] as const) {
      const original = sql[method] as ((...args: unknown[]) => Promise<unknown>) | undefined;
      if (typeof original !== 'function') continue;
      sql[method] = (async (...args: unknown[]) => {
        const work = args.pop() as (tx: Connection) => unknown;
        const inner = (tx: Connection) => {
          wrap(tx, false);
          return work(tx);
        };
        if (!counted) return original.call(sql, ...args, inner);
        inFlight++;
        try {
          return await original.call(sql, ...args, inner);
        } finally {
          inFlight--;
        }
      }) as never;
    }
  };
  wrap(client as Connection, true);
  return watchPool({ service, max, inFlight: () => inFlight });
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

/**
 * `column in (ids)` for a uuid column with the ids as ONE parameter (a JSON array), for lists of
 * hundreds: drizzle's inArray makes a parameter per id (and a statement text per list length for
 * the driver to prepare). On a 500-id batch its Node CPU was about twice this form's, the Postgres
 * side equal (a one-off timing by hand on 2026-12-06, on a loaded box; no benchmark repeats it). The principal look-ups behind every
 * live socket's re-check run such batches ten times a second at 10,000 sockets (docs/benchmarks.md,
 * section 3).
 */
export const inUuids = (column: PgColumn, ids: readonly string[]): SQL => sql`${column} in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::uuid)`;

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
