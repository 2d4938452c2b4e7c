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
  /** Our gateway's processes (GATEWAY_WORKERS: node:cluster workers sharing the port); 1 runs it in one process. */
  BENCH_OURS_WORKERS: z.coerce.number().int().min(1).max(16).default(2),
  /** Profile our gateway (node --cpu-prof) during the run and print its hottest functions. */
  BENCH_PROFILE: bool(false),
  /** The workload as data: supergraph.graphql, body.json, data.json, expected.json. */
  BENCH_WORKLOAD_DIR: z.string().default(fileURLToPath(new URL('../../shared/bench/guild-federation', import.meta.url))),
});

export type BenchEnv = z.output<typeof schema>;

export const loadBenchEnv = (): BenchEnv => parseEnv(schema, process.env);

/** The environment of every child process: the parent's, with Apollo's telemetry off. */
export const childEnv = (): NodeJS.ProcessEnv => ({ ...process.env, APOLLO_TELEMETRY_DISABLED: 'true' });
