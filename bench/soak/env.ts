import { parseEnv, z } from '@organoise/core';

/**
 * Settings of bench:soak (the only file of it that reads process.env). Quick check:
 * BENCH_SOAK_MINUTES=3 BENCH_SOAK_WINDOW_SECONDS=20.
 */
const schema = z.object({
  /** Minutes of load (queries, writes, subscribers dropping and resuming), cut into windows. */
  BENCH_SOAK_MINUTES: z.coerce.number().positive().max(24 * 60).default(20),
  /** One line of figures (memory and handles of every process, latency, losses) per this many seconds. */
  BENCH_SOAK_WINDOW_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  /** Subscribers over each transport (each its own connection), spread over the signed-in users. */
  BENCH_SOAK_WS: z.coerce.number().int().min(0).max(5000).default(60),
  BENCH_SOAK_SSE: z.coerce.number().int().min(0).max(5000).default(30),
  BENCH_SOAK_MULTIPART: z.coerce.number().int().min(0).max(5000).default(30),
  /** Mean seconds between two drops of one subscriber (each gap drawn from 0.5x-1.5x of it). */
  BENCH_SOAK_DROP_SECONDS: z.coerce.number().positive().max(3600).default(60),
  /** A dropped subscriber stays away up to this many seconds (drawn uniformly) before it resumes. */
  BENCH_SOAK_OFFLINE_SECONDS: z.coerce.number().min(0).max(600).default(10),
  /** Every this-many-th drop of a subscriber stays away BENCH_SOAK_LONG_OFFLINE_SECONDS instead: a longer backlog to catch up on; 0 = never. */
  BENCH_SOAK_LONG_EVERY: z.coerce.number().int().min(0).max(1000).default(4),
  BENCH_SOAK_LONG_OFFLINE_SECONDS: z.coerce.number().min(0).max(3600).default(60),
  /** Queries per second through the gateway (open loop): the dashboard and `viewer { id }`, alternately. */
  BENCH_SOAK_QUERIES_PER_SECOND: z.coerce.number().min(0).max(5000).default(20),
  /** Run writes per second through the gateway (start, submit, approve or reject), each one event in its organization's stream. */
  BENCH_SOAK_WRITES_PER_SECOND: z.coerce.number().min(0.1).max(500).default(5),
  /** Signed-in users the queries, writes and subscribers use (10 organizations; roles OWNER, ADMIN, VIEWER, MEMBER in turn). */
  BENCH_SOAK_USERS: z.coerce.number().int().min(10).max(400).default(40),
  /** Processes the subscribers are spread over (none of them is the gateway's). */
  BENCH_SOAK_CLIENT_PROCESSES: z.coerce.number().int().min(1).max(16).default(2),
  /**
   * Steady growth: a process fails when its heap after GC, over the windows after the first
   * (warm-up), rises along a least-squares line steeper than this many MiB per 10 minutes, and
   * the median of the last third of those windows is more than BENCH_SOAK_GROWTH_MIB above the
   * first third's.
   */
  BENCH_SOAK_GROWTH_SLOPE: z.coerce.number().min(0).max(1024).default(1),
  BENCH_SOAK_GROWTH_MIB: z.coerce.number().min(0).max(1024).default(2),
  /**
   * A deliberate client fault, to check the checks: `skip` resumes one cursor past the last one
   * received (an event is missed), `repeat` one before it (an event comes twice), `leak-connection`
   * opens one more Postgres connection to the database every window and never ends it (a leaked
   * client). The run must FAIL.
   */
  BENCH_SOAK_FAULT: z.enum(['none', 'skip', 'repeat', 'leak-connection']).default('none'),
  /**
   * Events between the subgraphs through Redis, as production runs them: `private` starts a
   * redis-server of the soak's own on a free port (Pub/Sub channels are server-wide, and the seeded
   * organizations' ids are the same in every run, so a shared Redis would mix two runs' events);
   * a redis:// URL uses that server; `none` keeps each subgraph's pub/sub in memory.
   */
  BENCH_SOAK_REDIS: z.string().default('private'),
  /** The private Redis's binary. */
  BENCH_REDIS_SERVER: z.string().default('redis-server'),
  /** The Postgres server a fresh database is created on (and dropped after). */
  BENCH_POSTGRES_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/postgres'),
});

export type SoakEnv = z.output<typeof schema>;

export const loadSoakEnv = (): SoakEnv => parseEnv(schema, process.env);
