import { bool, optionalUrl, parseEnv, port, z } from '@organoise/core';

// @apollo/gateway sends usage telemetry unless this is set when it is constructed. This platform
// never phones home; index.ts imports this module first so the flag is set before any gateway exists.
process.env.APOLLO_TELEMETRY_DISABLED = 'true';

const schema = z.object({
  PORT: port(4000),
  HOST: z.string().default('0.0.0.0'),
  NODE_ENV: z.string().default('development'),
  /** Path of the supergraph SDL to serve; any composed supergraph works. */
  SUPERGRAPH_PATH: z.string().optional(),
  SUBGRAPH_USER_URL: optionalUrl(),
  SUBGRAPH_WORKFLOW_URL: optionalUrl(),
  SUBGRAPH_FILE_URL: optionalUrl(),
  SUBGRAPH_ANALYTICS_URL: optionalUrl(),
  /** Shared with the subgraphs; signs the per-request internal token. Off for foreign graphs. */
  INTERNAL_TOKEN_SECRET: z.string().min(32).optional(),
  /** `organoise` verifies our access tokens; `none` serves a foreign graph without identity. */
  IDENTITY: z.enum(['organoise', 'none']).default('organoise'),
  ACCESS_TOKEN_ISSUER: z.string().default('organoise'),
  PRINCIPAL_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(16 * 1024 * 1024),
  PLAYGROUND: bool(true),
  INTROSPECTION: bool(true),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type GatewayEnv = z.output<typeof schema>;

export const loadEnv = (): GatewayEnv => parseEnv(schema, process.env);
