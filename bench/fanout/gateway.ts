import { subscribe } from 'node:diagnostics_channel';
import v8 from 'node:v8';
import { createLogger } from '@organoise/core';
import { DELIVERY_CHANNEL, loadSupergraph, startGateway, type DeliveryTrace } from '@organoise/gateway';
import { serveChild } from '../lib/child.js';
import { serveWindow, spread } from './probe.js';

// Our gateway alone in its process, so that its memory and CPU are its own. Started with
// --expose-gc: the parent's heap readings (SIGUSR2 -> a line on stderr would be noisier) come
// through the `heap` field of a `memory` message answered here.

export interface GatewayConfig {
  subgraphUrls: Record<string, string>;
  internalTokenSecret: string;
  issuer: string;
  /** 0 = the gateway's default. */
  authRecheckMs: number;
  /** Where the subgraphs publish (BENCH_REDIS_URL): the gateway follows the credential events there, as in production; undefined = polled. */
  redisUrl: string | undefined;
}

process.on('message', (message: { type: string; snapshot?: string }) => {
  if (message.type !== 'memory') return;
  (globalThis as { gc?: () => void }).gc?.();
  // BENCH_HEAP_SNAPSHOT_DIR: a heap snapshot at each reading, for bench/heap-diff.ts (after the reading's GC).
  if (message.snapshot) v8.writeHeapSnapshot(message.snapshot);
  const usage = process.memoryUsage();
  process.send!({ type: 'memory', rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external });
});

/**
 * Each delivery's stages in the gateway, from the engine's diagnostics channel, per topic event
 * (ms): the event's `at` (stamped by the workflow subgraph) to its arrival from the subgraph,
 * the wait in the topic's queue, the hydration, the hand-over to every listener, and the writes
 * (graphql-ws serialising and sending to each socket: the microtasks after the hand-over, over
 * when a setImmediate queued then runs).
 */
const stages = { upstream: [] as number[], queued: [] as number[], hydration: [] as number[], push: [] as number[], writes: [] as number[], sent: [] as number[], listeners: [] as number[] };
let recording = false;
subscribe(DELIVERY_CHANNEL, (message) => {
  if (!recording) return;
  const trace = message as DeliveryTrace;
  const at = Date.parse((trace.payload.data as { workflowRunsChanged?: { at?: string } } | null | undefined)?.workflowRunsChanged?.at ?? '');
  setImmediate(() => {
    const sentAt = performance.timeOrigin + performance.now();
    if (Number.isFinite(at)) stages.upstream.push(trace.receivedAt - at);
    stages.queued.push(trace.hydratingAt - trace.receivedAt);
    stages.hydration.push(trace.hydratedAt - trace.hydratingAt);
    stages.push.push(trace.pushedAt - trace.hydratedAt);
    stages.writes.push(sentAt - trace.pushedAt);
    if (Number.isFinite(at)) stages.sent.push(sentAt - at);
    stages.listeners.push(trace.listeners);
  });
});
serveWindow({
  start: () => {
    for (const list of Object.values(stages)) list.length = 0;
    recording = true;
  },
  extra: () => {
    recording = false;
    return Object.fromEntries(Object.entries(stages).map(([name, values]) => [name, spread(values)]));
  },
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
    ...(config.redisUrl ? { domainEvents: { redisUrl: config.redisUrl } } : {}),
    protection: { rateLimits: { ip: { points: 0, durationSeconds: 60 } } },
  });
  return { info: { url: gateway.url }, close: () => gateway.close() };
});
