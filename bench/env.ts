import { fileURLToPath } from 'node:url';
import { bool, parseEnv, z } from '@organoise/core';

/** Settings of the benchmarks (the only file here that reads process.env). */
const schema = z.object({
  /** Measured seconds per gateway and connection count. */
  BENCH_DURATION: z.coerce.number().positive().max(600).default(20),
  /** Unmeasured seconds of load per gateway before each connection count. */
  BENCH_WARMUP: z.coerce.number().min(0).max(60).default(3),
  /** The measured time is cut into slices of this many seconds, alternating the gateways. */
  BENCH_SLICE: z.coerce.number().positive().max(600).default(5),
  BENCH_CONNECTIONS: z
    .string()
    .default('1,50')
    .transform((v) => v.split(',').map((c) => Number(c.trim())))
    .pipe(z.array(z.number().int().min(1).max(1000)).min(1)),
  /**
   * Our gateway's young generation (`node --max-semi-space-size`, MiB), as gateway/package.json
   * starts it; 0 leaves Node's default (16 MiB on 64-bit). The stock gateway always runs with the default.
   */
  BENCH_OURS_SEMI_SPACE_MB: z.coerce.number().int().min(0).max(1024).default(64),
  /**
   * The gateways to run side by side, any of: stock (@apollo/gateway), hive (Hive Gateway, its
   * JavaScript planner), hive-rust (Hive Gateway with the Rust query planner), ours.
   */
  BENCH_GATEWAYS: z
    .string()
    .default('stock,hive,hive-rust,ours')
    .transform((v) => v.split(',').map((g) => g.trim()))
    .pipe(z.array(z.enum(['stock', 'hive', 'hive-rust', 'ours'])).min(1)),
  /**
   * Our gateway's processes (GATEWAY_WORKERS: node:cluster workers sharing the port). 1 by default,
   * as every peer runs in one process; 2 gives the multi-process figures, stated apart.
   */
  BENCH_OURS_WORKERS: z.coerce.number().int().min(1).max(16).default(1),
  /** Our gateway's lean path for plain JSON POST queries (startGateway `leanHttp`); false sends all through Apollo Server. */
  BENCH_OURS_LEAN_HTTP: bool(true),
  /**
   * Our gateway signs an internal token for every subgraph call, as in production (the benchmark's
   * subgraphs ignore it); false runs it as a foreign graph's gateway, without.
   */
  BENCH_OURS_INTERNAL_TOKEN: bool(true),
  /**
   * Our gateway sends identical query fetches in flight once (GATEWAY_DEDUPLICATE_FETCHES, on by
   * default in the product, joining only fetches sent after the request arrived). Hive Gateway
   * deduplicates by default.
   */
  BENCH_OURS_DEDUPLICATE_FETCHES: bool(true),
  /** Our gateway shapes answers with its compiled shaping (startGateway `compiledShaping`, on by default); false uses @apollo/gateway's. */
  BENCH_OURS_COMPILED_SHAPING: bool(true),
  /** Profile our gateway (node --cpu-prof) during the run and print its hottest functions. */
  BENCH_PROFILE: bool(false),
  /** The workload as data: supergraph.graphql, body.json, data.json, expected.json. */
  BENCH_WORKLOAD_DIR: z.string().default(fileURLToPath(new URL('../../shared/bench/guild-federation', import.meta.url))),
});

export type BenchEnv = z.output<typeof schema>;

export const loadBenchEnv = (): BenchEnv => parseEnv(schema, process.env);

/** The environment of every child process: the parent's, with Apollo's telemetry off. */
export const childEnv = (): NodeJS.ProcessEnv => ({ ...process.env, APOLLO_TELEMETRY_DISABLED: 'true' });

/** Settings of `npm run bench:platform` (bench/platform.ts). */
const platformSchema = z.object({
  /** The Postgres server the benchmark creates its own database on (and drops at the end). */
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
  /** Small volume and 5 s of load: a check that the benchmark works, not a measurement. */
  BENCH_QUICK: bool(false),
  /** Target arrival rates (requests/s), each run open loop for BENCH_DURATION seconds per query. */
  BENCH_RATES: z
    .string()
    .default('1000')
    .transform((v) => v.split(',').map((c) => Number(c.trim())))
    .pipe(z.array(z.number().positive().max(20_000)).min(1)),
  BENCH_DURATION: z.coerce.number().positive().max(600).optional(),
  BENCH_WARMUP: z.coerce.number().min(0).max(60).optional(),
  BENCH_SLICE: z.coerce.number().positive().max(600).default(5),
  /** Requests in flight at most (open sockets); a request due past it is not sent and counts as dropped. */
  BENCH_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(256),
  /** Profile the gateway and subgraph processes (node --cpu-prof) and print their hottest functions. */
  BENCH_PROFILE: bool(false),
  /** Connections each subgraph keeps to Postgres (postgres.js pool). */
  BENCH_DB_POOL: z.coerce.number().int().min(1).max(100).default(10),
  /** Keep the seeded database at the end (to inspect it) instead of dropping it. */
  BENCH_KEEP_DATABASE: bool(false),
});

export type PlatformBenchEnv = z.output<typeof platformSchema>;

export const loadPlatformBenchEnv = (): PlatformBenchEnv => parseEnv(platformSchema, process.env);

/** Settings of `npm run bench:web` (bench/web.ts). */
const webSchema = z.object({
  /** Cold loads of the dashboard measured (each in a fresh browser context), after one unmeasured. */
  BENCH_WEB_RUNS: z.coerce.number().int().min(1).max(100).default(7),
  /** The first meaningful screen's median must come under this (issue 13: 2 s on fast 3G). */
  BENCH_WEB_TARGET_MS: z.coerce.number().positive().default(2000),
});

export const loadWebBenchEnv = () => parseEnv(webSchema, process.env);

/** Settings of `npm run bench:search` (bench/search.ts). */
const searchBenchSchema = z.object({
  /** The Postgres server the benchmark creates its own database on (and drops at the end). */
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
  /** Documents indexed (a seeded mix of users, definitions, runs, tasks and files). */
  BENCH_SEARCH_DOCUMENTS: z.coerce.number().int().min(1_000).max(10_000_000).default(100_000),
  /** Organizations they are spread over: the first holds a quarter, the rest by a Zipf law. */
  BENCH_SEARCH_ORGANIZATIONS: z.coerce.number().int().min(2).max(10_000).default(40),
  /** Documents per upsert call (the indexer writes a source's answer at once). */
  BENCH_SEARCH_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Measured queries per kind (after 20 unmeasured ones), one at a time. */
  BENCH_SEARCH_QUERIES: z.coerce.number().int().min(10).max(100_000).default(300),
  /**
   * The indexes measured, any of: postgres (the machine's Postgres), pglite (embedded, in memory;
   * slow to fill at 100k), elasticsearch (needs ELASTICSEARCH_URL).
   */
  BENCH_SEARCH_ENGINES: z
    .string()
    .default('postgres')
    .transform((v) => v.split(',').map((e) => e.trim()))
    .pipe(z.array(z.enum(['postgres', 'pglite', 'elasticsearch'])).min(1)),
  /** The text search configuration of the Postgres indexes (the search subgraph's SEARCH_LANGUAGE). */
  SEARCH_LANGUAGE: z.string().default('simple'),
  ELASTICSEARCH_URL: z.string().url().optional(),
  /** Keep the benchmark's database (or Elasticsearch index) at the end instead of dropping it. */
  BENCH_KEEP_DATABASE: bool(false),
});

export type SearchBenchEnv = z.output<typeof searchBenchSchema>;

export const loadSearchBenchEnv = (): SearchBenchEnv => parseEnv(searchBenchSchema, process.env);
