import { createLogger, createPubSub, loadSubgraphs, type PubSub, type RunningServer, type SubgraphName } from '@organoise/core';
import { loadSupergraph, startGateway } from '@organoise/gateway';
import { MemoryMailer } from '@organoise/subgraph-user';
import { serveChild } from '../lib/child.js';
import type { MemoryReading, ServiceConfig } from './services.js';

// Child-process entry: one service of the platform, as production runs it (each service its own
// process, src/main.ts of each package, on one Postgres database with a schema per subgraph), so
// that the benchmark measures CPU and memory per service. Each subgraph migrates its schema on
// start, through the same openDatabase as `npm start`.

let running: RunningServer | undefined;

// A benchmark asking for a reading (bench/soak.ts): memory after a full GC (with --expose-gc), handles.
process.on('message', (message: { type: string }) => {
  if (message.type !== 'memory') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  const handles: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
  const engine = (running as { subscriptions?: { stats(): { topics: number; connections: number; listeners: number }; queueStats(): { peakQueued: number; slowConsumers: number } } } | undefined)?.subscriptions;
  const reading: MemoryReading = { type: 'memory', rss, heapUsed, afterGc: gc !== undefined, handles, ...(engine ? { subscriptions: { ...engine.stats(), ...engine.queueStats() } } : {}) };
  process.send!(reading);
});

async function start(config: ServiceConfig, pubsub: PubSub | undefined): Promise<RunningServer> {
  const log = createLogger({ service: config.name, bench: 'platform' }, 'warn');
  const common = {
    database: { url: config.databaseUrl, poolMax: config.poolMax },
    internalTokenSecret: config.internalTokenSecret,
    log,
    port: 0,
    host: '127.0.0.1',
    ...(pubsub ? { pubsub } : {}),
  };
  if (config.name !== 'gateway') {
    // What this benchmark passes to a subgraph beyond what every subgraph gets; the others need nothing more.
    const own: { [N in SubgraphName]?: Record<string, unknown> } = {
      // A high sign-in budget: the benchmark signs in a few dozen users from one address.
      user: { tokens: { issuer: config.issuer, ttlSeconds: 3600 }, sessionTtlSeconds: 86_400, mail: { mailer: new MemoryMailer() }, throttle: { ipMaxFailures: 10_000 } },
      file: { storageDir: config.fileStorageDir },
    };
    return (await loadSubgraphs())[config.name].start({ ...common, ...own[config.name] });
  }
  // As startPlatform starts it, except the per-address rate limit: the load comes from one address.
  return startGateway({
    supergraphSdl: loadSupergraph(),
    subgraphUrls: config.subgraphUrls!,
    internalTokenSecret: config.internalTokenSecret,
    identity: { issuer: config.issuer, principalCacheMs: 1000 },
    log,
    port: 0,
    host: '127.0.0.1',
    playground: false,
    introspection: false,
    protection: { rateLimits: false },
    // The cached peer: the defaults of RESPONSE_CACHE_MAX_BYTES and RESPONSE_CACHE_MAX_AGE_MS.
    ...(config.responseCache && config.redisUrl ? { responseCache: { redisUrl: config.redisUrl, maxBytes: 64 * 1024 * 1024, maxAgeMs: 60_000 } } : {}),
  });
}

serveChild<ServiceConfig, { url: string }>(async (config) => {
  // The gateway has no pub/sub of its own: it subscribes to the subgraphs over graphql-ws.
  const pubsub = config.redisUrl && config.name !== 'gateway' ? createPubSub(config.redisUrl, (error) => process.stderr.write(`[${config.name}] redis: ${error.message}\n`)) : undefined;
  const server = await start(config, pubsub);
  running = server;
  return {
    info: { url: server.url },
    close: async () => {
      await server.close();
      await pubsub?.close();
    },
  };
});
