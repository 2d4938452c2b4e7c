import cluster from 'node:cluster';
import { createLogger, gracefulShutdown, onStopSignal, reportMetricsToClusterPrimary, startMetricsListener, startTracing, subgraphUrlsFrom } from '@organoise/core';
import { loadEnv } from './env.js';
import { DEFAULT_SUPERGRAPH_PATH, DEVELOPMENT_ORIGINS, loadSupergraph, startGateway } from './index.js';
import { watchSupergraphFile } from './reload.js';
import { superviseWorkers } from './workers.js';

// Standalone entry point of the gateway.
const env = loadEnv();
const log = createLogger({ service: 'gateway' }, env.LOG_LEVEL);
const production = env.NODE_ENV === 'production';
if (env.IDENTITY === 'organoise' && !env.INTERNAL_TOKEN_SECRET) {
  log.error('INTERNAL_TOKEN_SECRET is required (or IDENTITY=none to serve a graph without identity)');
  process.exit(1);
}
if (env.RESPONSE_CACHE === 'on' && !env.REDIS_URL) {
  log.error('RESPONSE_CACHE=on needs REDIS_URL: the cache is invalidated only by the domain events the subgraphs publish there');
  process.exit(1);
}
if (env.GATEWAY_WORKERS > 1 && cluster.isPrimary) {
  // This process only forks the workers (each runs this file as a worker) and watches them.
  if (env.METRICS_PORT !== undefined) await startMetricsListener(env.METRICS_PORT, env.METRICS_HOST, { cluster: true });
  await superviseWorkers(env.GATEWAY_WORKERS, log);
  process.exit();
}
if (env.OTEL_EXPORTER_OTLP_ENDPOINT) startTracing({ endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: 'organoise-gateway' });
if (cluster.isWorker) reportMetricsToClusterPrimary();
else if (env.METRICS_PORT !== undefined) await startMetricsListener(env.METRICS_PORT, env.METRICS_HOST);
const gateway = await startGateway({
  supergraphSdl: loadSupergraph(env.SUPERGRAPH_PATH),
  subgraphUrls: subgraphUrlsFrom(env),
  internalTokenSecret: env.INTERNAL_TOKEN_SECRET,
  identity: env.IDENTITY === 'organoise' ? { issuer: env.ACCESS_TOKEN_ISSUER, principalCacheMs: env.PRINCIPAL_CACHE_MS } : null,
  log,
  port: env.PORT,
  host: env.HOST,
  subgraphTimeoutMs: env.SUBGRAPH_TIMEOUT_MS,
  deduplicateFetches: env.GATEWAY_DEDUPLICATE_FETCHES,
  compiledShaping: env.GATEWAY_COMPILED_SHAPING,
  // Live subscriptions follow the user subgraph's credential events where the subgraphs publish them.
  domainEvents: env.REDIS_URL ? { redisUrl: env.REDIS_URL } : null,
  responseCache: env.RESPONSE_CACHE === 'on' && env.REDIS_URL ? { redisUrl: env.REDIS_URL, maxBytes: env.RESPONSE_CACHE_MAX_BYTES, maxAgeMs: env.RESPONSE_CACHE_MAX_AGE_MS } : null,
  maxBodyBytes: env.MAX_BODY_BYTES,
  requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
  keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  production,
  // Off in production unless explicitly enabled.
  playground: env.PLAYGROUND ?? !production,
  // The product's face: served in production too, so the app and its API share one origin.
  web: env.WEB ?? true,
  ...(env.WEB_DIR ? { webDir: env.WEB_DIR } : {}),
  introspection: env.INTROSPECTION ?? !production,
  trustProxy: env.TRUST_PROXY,
  corsOrigins: env.CORS_ORIGINS ?? (production ? [] : DEVELOPMENT_ORIGINS),
  subscriptions: {
    maxPerConnection: env.SUBSCRIPTIONS_PER_CONNECTION,
    maxQueue: env.SUBSCRIPTION_QUEUE,
    maxQueueBytes: env.SUBSCRIPTION_QUEUE_BYTES,
    maxCatchUpEvents: env.SUBSCRIPTION_MAX_CATCH_UP,
    maxMessageBytes: env.SUBSCRIPTION_MAX_MESSAGE_BYTES,
    authRecheckMs: env.SUBSCRIPTION_AUTH_RECHECK_MS,
    authSweepMs: env.SUBSCRIPTION_AUTH_SWEEP_MS,
    heartbeatMs: env.SUBSCRIPTION_HEARTBEAT_MS,
  },
  protection: {
    limits: { depth: env.MAX_DEPTH, aliases: env.MAX_ALIASES, directives: env.MAX_DIRECTIVES, tokens: env.MAX_TOKENS, cost: env.MAX_COST },
    safelist: { mode: env.SAFELIST ?? (production ? 'enforce' : 'off'), path: env.SAFELIST_PATH },
    rateLimits: {
      redisUrl: env.REDIS_URL,
      ip: { points: env.RATE_LIMIT_IP_POINTS, durationSeconds: env.RATE_LIMIT_IP_DURATION_SECONDS },
      apiKey: { points: env.RATE_LIMIT_API_KEY_POINTS, durationSeconds: env.RATE_LIMIT_API_KEY_DURATION_SECONDS },
      user: { points: env.RATE_LIMIT_USER_POINTS, durationSeconds: env.RATE_LIMIT_USER_DURATION_SECONDS },
    },
  },
});
// A new supergraph on disk (or SIGHUP) is served without a restart; open subscriptions end with 4503.
const stopWatching = watchSupergraphFile(env.SUPERGRAPH_PATH ?? DEFAULT_SUPERGRAPH_PATH, gateway, log);
// Drained, then closed: readiness fails for SHUTDOWN_DELAY_MS (a load balancer stops sending), then
// requests in flight finish and sockets close with 1001 (clients resume elsewhere by cursor). The
// watch ends first: a change seen while the gateway drains would reload a stopped gateway.
// Registered before the line that says it listens: whatever waits for that line may send SIGTERM at
// once, and a signal with no handler yet kills the process (seen in gateway/test/main-stop.test.ts).
onStopSignal(() => {
  stopWatching();
  return gracefulShutdown(gateway, env.SHUTDOWN_DELAY_MS, log);
}, log);
log.info('gateway listening', { url: gateway.url });
