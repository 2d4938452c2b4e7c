import { bool, parseEnv, z } from '@organoise/core';

/** Settings of bench:fanout (the only file of it that reads process.env). Quick run: BENCH_CLIENTS=500 BENCH_SECONDS=5. */
const schema = z.object({
  /** graphql-ws client sockets, one distinct user each. */
  BENCH_CLIENTS: z.coerce.number().int().min(10).max(20_000).default(10_000),
  /** Organizations the users are spread over (each user watches their own organization's runs). */
  BENCH_ORGS: z.coerce.number().int().min(1).max(1000).default(10),
  /** Runs started per organization per second: deliveries/s = BENCH_CLIENTS x this. */
  BENCH_EVENTS_PER_ORG_PER_SECOND: z.coerce.number().positive().max(100).default(1),
  /** Measured seconds of publishing per phase. */
  BENCH_SECONDS: z.coerce.number().positive().max(600).default(20),
  /** Processes the client sockets are spread over (none of them is the gateway's). */
  BENCH_CLIENT_PROCESSES: z.coerce.number().int().min(1).max(16).default(4),
  /**
   * How the sockets are dealt to the client processes. `blocks` (default, and the layout the
   * target is judged on, docs/benchmarks.md section 3, session 10): consecutive members to one
   * process, so a process reads a whole burst's messages one after another and the last socket's
   * latency carries the client's own processing of the ones before it (printed: first -> last
   * arrival per process). `interleaved`: member i to process i mod BENCH_CLIENT_PROCESSES, so every
   * process wakes at every burst; on 2 cores they then take the gateway's CPU (its own stages 2-3x
   * slower in the quiet runs of 2026-12-06): the harsher bound. The gateway writes the same bytes
   * either way.
   */
  BENCH_CLIENT_LAYOUT: z.enum(['interleaved', 'blocks']).default('blocks'),
  /**
   * The client sockets' implementation. `lean` (default): the graphql-transport-ws protocol on a
   * bare ws socket, each message parsed once and checked; `graphql-ws`: graphql-ws's own client,
   * as an application would use it. Both speak the same bytes to the server; on 2 cores the
   * clients' CPU is taken from the server under test, and graphql-ws's client costs about twice
   * the lean one per message (docs/benchmarks.md, section 3, session 11).
   */
  BENCH_CLIENT_IMPL: z.enum(['lean', 'graphql-ws']).default('lean'),
  /** Events between replicas through this Redis (the multi-replica case); empty = in-process pub/sub. */
  BENCH_REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** The Postgres server a fresh database is created on (and dropped after). */
  BENCH_POSTGRES_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/postgres'),
  /**
   * The gateway's re-check of each live socket's session and roles (SubscriptionLimits.authRecheckMs:
   * the polling period while it cannot follow the credential events, i.e. always without Redis);
   * 0 keeps the gateway's default (2 s).
   */
  BENCH_AUTH_RECHECK_MS: z.coerce.number().int().min(0).max(3_600_000).default(0),
  /**
   * A directory: the gateway writes a heap snapshot before the sockets open and once they are warm
   * (gateway-before/after.heapsnapshot; compare with bench/heap-diff.ts). Empty: none. For
   * diagnosis only: writing one freezes the gateway for seconds, and past graphql-ws's 12 s ping a
   * loaded run's sockets are dropped (1006) and the run fails after printing its memory.
   */
  BENCH_HEAP_SNAPSHOT_DIR: z.string().default(''),
  /**
   * CPU profiles (node:inspector) of the measured window only, not of the connect and warm-up:
   * the gateway, the subgraphs' process and the first client process, written to
   * bench/results/fanout-<stamp>.cpuprofiles/ and summarised (hottest functions) in the output.
   * Profiling slows each process: take latency figures from a run without it.
   */
  BENCH_PROFILE: bool(false),
  /** Which phases run, in order: the gateway and/or the baseline (the same clients straight on the workflow subgraph, which is left busy for a while after). */
  BENCH_PHASES: z
    .string()
    .default('gateway,direct')
    .transform((v) => v.split(',').map((p) => p.trim()))
    .pipe(z.array(z.enum(['direct', 'gateway'])).min(1)),
});

export type FanoutEnv = z.output<typeof schema>;

export const loadFanoutEnv = (): FanoutEnv => parseEnv(schema, process.env);
