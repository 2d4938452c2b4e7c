import { createLogger, type RunningServer } from '@organoise/core';
import { loadSupergraph, startGateway } from '@organoise/gateway';
import { startAnalyticsSubgraph } from '@organoise/subgraph-analytics';
import { startFileSubgraph } from '@organoise/subgraph-file';
import { MemoryMailer, startUserSubgraph } from '@organoise/subgraph-user';
import { startWorkflowSubgraph } from '@organoise/subgraph-workflow';
import { serveChild } from '../lib/child.js';
import type { ServiceConfig } from './services.js';

// Child-process entry: one service of the platform, as production runs it (each service its own
// process, src/main.ts of each package, on one Postgres database with a schema per subgraph), so
// that the benchmark measures CPU and memory per service. Each subgraph migrates its schema on
// start, through the same openDatabase as `npm start`.

async function start(config: ServiceConfig): Promise<RunningServer> {
  const log = createLogger({ service: config.name, bench: 'platform' }, 'warn');
  const common = {
    database: { url: config.databaseUrl, poolMax: config.poolMax },
    internalTokenSecret: config.internalTokenSecret,
    log,
    port: 0,
    host: '127.0.0.1',
  };
  switch (config.name) {
    case 'user':
      // A high sign-in budget: the benchmark signs in a few dozen users from one address.
      return startUserSubgraph({
        ...common,
        tokens: { issuer: config.issuer, ttlSeconds: 3600 },
        sessionTtlSeconds: 86_400,
        mail: { mailer: new MemoryMailer() },
        throttle: { ipMaxFailures: 10_000 },
      });
    case 'workflow':
      return startWorkflowSubgraph(common);
    case 'file':
      return startFileSubgraph({ ...common, storageDir: config.fileStorageDir });
    case 'analytics':
      return startAnalyticsSubgraph(common);
    case 'gateway':
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
      });
  }
}

serveChild<ServiceConfig, { url: string }>(async (config) => {
  const server = await start(config);
  return { info: { url: server.url }, close: () => server.close() };
});
