import v8 from 'node:v8';
import { createLogger } from '@organoise/core';
import { loadSupergraph, startGateway } from '@organoise/gateway';
import { serveChild } from '../lib/child.js';

// Our gateway alone in its process, so that its memory and CPU are its own. Started with
// --expose-gc: the parent's heap readings (SIGUSR2 -> a line on stderr would be noisier) come
// through the `heap` field of a `memory` message answered here.

export interface GatewayConfig {
  subgraphUrls: Record<string, string>;
  internalTokenSecret: string;
  issuer: string;
  /** 0 = the gateway's default. */
  authRecheckMs: number;
}

process.on('message', (message: { type: string; snapshot?: string }) => {
  if (message.type !== 'memory') return;
  (globalThis as { gc?: () => void }).gc?.();
  // BENCH_HEAP_SNAPSHOT_DIR: a heap snapshot at each reading, for bench/heap-diff.ts (after the reading's GC).
  if (message.snapshot) v8.writeHeapSnapshot(message.snapshot);
  const usage = process.memoryUsage();
  process.send!({ type: 'memory', rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external });
});

serveChild<GatewayConfig, { url: string }>(async (config) => {
  const gateway = await startGateway({
    supergraphSdl: loadSupergraph(),
    subgraphUrls: config.subgraphUrls,
    internalTokenSecret: config.internalTokenSecret,
    identity: { issuer: config.issuer, principalCacheMs: 1000 },
    log: createLogger({ service: 'gateway' }, 'warn'),
    port: 0,
    host: '127.0.0.1',
    playground: false,
    introspection: false,
    // Every client socket comes from 127.0.0.1 here, where production spreads them over many
    // addresses: the per-address budget is off; the per-user and per-key budgets stay on.
    ...(config.authRecheckMs > 0 ? { subscriptions: { authRecheckMs: config.authRecheckMs } } : {}),
    protection: { rateLimits: { ip: { points: 0, durationSeconds: 60 } } },
  });
  return { info: { url: gateway.url }, close: () => gateway.close() };
});
