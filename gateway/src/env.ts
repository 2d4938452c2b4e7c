import { bool, optionalUrl, originList, parseEnv, port, subgraphUrlSettings, z } from '@organoise/core';
import { DEFAULT_OPERATION_LIMITS as LIMITS, DEFAULT_RATE_LIMITS as RATES } from './protection/defaults.js';

// @apollo/gateway sends usage telemetry unless this is set when it is constructed. This platform
// never phones home; index.ts imports this module first so the flag is set before any gateway exists.
process.env.APOLLO_TELEMETRY_DISABLED = 'true';

/** Unset stays undefined, so that the caller can tell "not said" from "false" (production defaults). */
const optionalBool = () =>
  z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v === 'true' || v === '1'));
const count = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const seconds = (fallback: number) => z.coerce.number().int().min(1).max(86_400).default(fallback);

const schema = z.object({
  PORT: port(4000),
  HOST: z.string().default('0.0.0.0'),
  /**
   * Serve Prometheus metrics at GET /metrics on this port, a listener of its own so the public port
   * never shows them (Prometheus scrapes it from inside the cluster). Unset or empty: no metrics.
   */
  METRICS_PORT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).optional()),
  METRICS_HOST: z.string().default('0.0.0.0'),
  /** OTLP/HTTP collector (`http://otel-collector:4318`): traces are sent to <endpoint>/v1/traces. Unset: tracing off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(),
  NODE_ENV: z.string().default('development'),
  /** Path of the supergraph SDL to serve; any composed supergraph works. */
  SUPERGRAPH_PATH: z.string().optional(),
  /** SUBGRAPH_<NAME>_URL for each subgraph (packages/core/src/subgraphs.ts). */
  ...subgraphUrlSettings(),
  /** Shared with the subgraphs; signs the per-request internal token. Off for foreign graphs. */
  INTERNAL_TOKEN_SECRET: z.string().min(32).optional(),
  /** `organoise` verifies our access tokens; `none` serves a foreign graph without identity. */
  IDENTITY: z.enum(['organoise', 'none']).default('organoise'),
  ACCESS_TOKEN_ISSUER: z.string().default('organoise'),
  PRINCIPAL_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /**
   * A query fetch identical to one in flight to the same subgraph (same viewer, document and
   * variables) waits for its answer instead of being sent again, if that fetch was sent after the
   * client's request arrived: the answer then sees every write completed before the request, as its
   * own fetch would (gateway/src/subgraphs.ts InflightFetches). Never mutations.
   */
  GATEWAY_DEDUPLICATE_FETCHES: bool(true),
  /** Answers shaped per operation by compiled code instead of @apollo/gateway's computeResponse (gateway/src/apollo/compiled-shaping.ts). */
  GATEWAY_COMPILED_SHAPING: bool(true),
  /** A GraphQL request's body: 1 MiB, since file bytes go to signed URLs (docs/protocols/uploads.md), never inside GraphQL. */
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  /** A client has this long to send a whole request (its headers: 10 s at most); then 408. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How long an idle client connection stays open: longer than the load balancer's idle timeout (commonly 60 s), so it closes first. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(65_000),
  /** Unset: on, except in production. */
  PLAYGROUND: optionalBool(),
  /** Unset: on. The web app (web/dist) at / on this origin. */
  WEB: optionalBool(),
  /** Unset: web/dist in this repository. */
  WEB_DIR: z.string().min(1).optional(),
  /** Unset: on, except in production. Field suggestions ("Did you mean ...?") follow it. */
  INTROSPECTION: optionalBool(),
  /** Operation limits (gateway/src/protection/limits.ts); refusals are OPERATION_TOO_COMPLEX. */
  MAX_DEPTH: count(LIMITS.depth),
  MAX_ALIASES: count(LIMITS.aliases),
  MAX_DIRECTIVES: count(LIMITS.directives),
  MAX_TOKENS: count(LIMITS.tokens),
  MAX_COST: count(LIMITS.cost),
  /** `enforce`: only operations in the safelist run. Unset: `enforce` in production, `off` otherwise. */
  SAFELIST: z.enum(['off', 'enforce']).optional(),
  /** Apollo persisted query manifest; defaults to schema/safelist.json (`npx tsx schema/safelist.ts`). */
  SAFELIST_PATH: z.string().optional(),
  /** Requests per window per client address, API key (x-api-key) and user; 0 turns one off. */
  RATE_LIMIT_IP_POINTS: count(RATES.ip.points),
  RATE_LIMIT_IP_DURATION_SECONDS: seconds(RATES.ip.durationSeconds),
  RATE_LIMIT_API_KEY_POINTS: count(RATES.apiKey.points),
  RATE_LIMIT_API_KEY_DURATION_SECONDS: seconds(RATES.apiKey.durationSeconds),
  RATE_LIMIT_USER_POINTS: count(RATES.user.points),
  RATE_LIMIT_USER_DURATION_SECONDS: seconds(RATES.user.durationSeconds),
  /** Shares rate-limit counters between gateway replicas; unset counts in memory. The response cache's event feed. */
  REDIS_URL: optionalUrl(),
  /**
   * `on`: answers of cacheable queries are kept per caller and dropped by the domain events the
   * subgraphs publish on REDIS_URL (required then): docs/decisions/0016-response-cache.md. Off by
   * default: anything that writes with SQL behind the API's back would read stale answers.
   */
  RESPONSE_CACHE: z.enum(['on', 'off']).default('off'),
  /** Bytes of answers the response cache holds at most (least recently used go first). */
  RESPONSE_CACHE_MAX_BYTES: z.coerce.number().int().min(1024 * 1024).default(64 * 1024 * 1024),
  /** No cached answer is older than this: the bound for writes whose event never reached Redis. */
  RESPONSE_CACHE_MAX_AGE_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  /**
   * Whose X-Forwarded-For to believe for the client address: a hop count (`1` behind one load
   * balancer) or proxy addresses/subnets (`10.0.0.0/8,loopback`). Unset: none, the socket address counts.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : /^\d+$/.test(v.trim()) ? Number(v) : v))
    .refine((v) => v !== 'true' && v !== 'false', 'give a hop count or proxy addresses: trusting every X-Forwarded-For lets any client choose its address'),
  /**
   * Web origins whose pages may call the gateway from a browser (CORS, and WebSocket upgrades),
   * comma-separated. Unset: none in production, the web and Expo dev servers' otherwise.
   */
  CORS_ORIGINS: originList(),
  /** Live subscriptions (docs/protocols/subscriptions.md). */
  SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(100),
  /** Events one subscriber may have waiting; past it, it is cut off (graphql-ws close 4408). */
  SUBSCRIPTION_QUEUE: z.coerce.number().int().min(1).default(128),
  /** Bytes of events (as JSON) a subscriber may have waiting before it is cut off. */
  SUBSCRIPTION_QUEUE_BYTES: z.coerce.number().int().min(1024).default(8 * 1024 * 1024),
  /** A resuming subscriber further behind than this many events is refused (RESUME_TOO_FAR_BEHIND) rather than replayed. */
  SUBSCRIPTION_MAX_CATCH_UP: z.coerce.number().int().min(1).default(10_000),
  SUBSCRIPTION_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  /**
   * How often a live subscription's session and roles are checked again (4401 / 4403 when lost)
   * while the gateway cannot follow the credential events: REDIS_URL unset, or its feed down.
   */
  SUBSCRIPTION_AUTH_RECHECK_MS: z.coerce.number().int().min(100).default(2000),
  /**
   * With REDIS_URL, a live subscription is re-checked at once when the user subgraph publishes
   * that its credentials changed (a session ended, a key revoked, a membership or an allow-list
   * changed), and otherwise this often: the bound for an event whose publish was lost.
   */
  SUBSCRIPTION_AUTH_SWEEP_MS: z.coerce.number().int().min(100).default(30_000),
  SUBSCRIPTION_HEARTBEAT_MS: z.coerce.number().int().min(1000).default(12_000),
  /**
   * Gateway processes sharing the port (node:cluster), e.g. one per core. Each keeps its own
   * in-memory rate-limit counters (set REDIS_URL to share them) and principal cache.
   */
  GATEWAY_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** On SIGTERM, /readyz fails this long before the gateway closes, so a load balancer stops sending first (docs/operations.md). */
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(120_000).default(0),
});

export type GatewayEnv = z.output<typeof schema>;

export const loadEnv = (): GatewayEnv => parseEnv(schema, process.env);
