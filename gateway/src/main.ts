import { createLogger } from '@organoise/core';
import { loadEnv } from './env.js';
import { loadSupergraph, startGateway } from './index.js';

// Standalone entry point of the gateway.
const env = loadEnv();
const log = createLogger({ service: 'gateway' }, env.LOG_LEVEL);
const production = env.NODE_ENV === 'production';
if (env.IDENTITY === 'organoise' && !env.INTERNAL_TOKEN_SECRET) {
  log.error('INTERNAL_TOKEN_SECRET is required (or IDENTITY=none to serve a graph without identity)');
  process.exit(1);
}
const gateway = await startGateway({
  supergraphSdl: loadSupergraph(env.SUPERGRAPH_PATH),
  subgraphUrls: {
    user: env.SUBGRAPH_USER_URL,
    workflow: env.SUBGRAPH_WORKFLOW_URL,
    file: env.SUBGRAPH_FILE_URL,
    analytics: env.SUBGRAPH_ANALYTICS_URL,
  },
  internalTokenSecret: env.INTERNAL_TOKEN_SECRET,
  identity: env.IDENTITY === 'organoise' ? { issuer: env.ACCESS_TOKEN_ISSUER, principalCacheMs: env.PRINCIPAL_CACHE_MS } : null,
  log,
  port: env.PORT,
  host: env.HOST,
  subgraphTimeoutMs: env.SUBGRAPH_TIMEOUT_MS,
  maxBodyBytes: env.MAX_BODY_BYTES,
  playground: env.PLAYGROUND && !production,
  introspection: env.INTROSPECTION && !production,
});
log.info('gateway listening', { url: gateway.url });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void gateway.close().then(() => process.exit(0)));
}
