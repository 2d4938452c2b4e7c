import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { createLogger } from '@organoise/core';
import { startGateway } from '@organoise/gateway';
import { serveChild } from '../lib/child.js';

// Child-process entry: our gateway serving a foreign graph (no identity), with its default
// protection except the per-address rate limit, which a load test from one address is meant to
// trip. It signs an internal token for every subgraph call as in production (`internalToken`;
// the benchmark's subgraphs ignore the header), with a random secret per run. With `workers` > 1 it runs as GATEWAY_WORKERS does (gateway/src/main.ts):
// worker processes sharing one port through node:cluster, forked with this process's node flags.

export interface OursConfig {
  supergraphSdl: string;
  workers: number;
  leanHttp: boolean;
  internalToken: boolean;
  deduplicateFetches: boolean;
  compiledShaping: boolean;
}
/** `pids`: every process that serves (the primary and its workers), whose CPU and memory count. */
export interface OursInfo {
  url: string;
  pids: number[];
}

type ToWorker = { type: 'start'; config: OursConfig };
type FromWorker = { type: 'waiting' } | { type: 'ready'; url: string } | { type: 'failed'; error: string };

const start = ({ supergraphSdl, leanHttp, internalToken, deduplicateFetches, compiledShaping }: OursConfig) =>
  startGateway({
    supergraphSdl,
    identity: null,
    internalTokenSecret: internalToken ? randomBytes(32).toString('base64url') : undefined,
    leanHttp,
    deduplicateFetches,
    compiledShaping,
    log: createLogger({ service: 'gateway', bench: true }, 'warn'),
    port: 0,
    host: '127.0.0.1',
    playground: false,
    protection: { rateLimits: false },
  });

function forkWorker(config: OursConfig) {
  const worker = cluster.fork();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const ready = new Promise<string>((resolve, reject) => {
    worker.once('exit', (code, signal) => reject(new Error(`gateway worker exited (${signal ?? code}) before it was ready`)));
    worker.on('message', (message: FromWorker) => {
      // A message sent before the worker listens is lost: it asks for its config once it does.
      if (message.type === 'waiting') worker.send({ type: 'start', config } satisfies ToWorker);
      else if (message.type === 'ready') resolve(message.url);
      else reject(new Error(message.error));
    });
  });
  return { worker, ready, exited };
}

if (cluster.isPrimary) {
  serveChild<OursConfig, OursInfo>(async (config) => {
    const workers = config.workers;
    if (workers <= 1) {
      const gateway = await start(config);
      return { info: { url: gateway.url, pids: [process.pid] }, close: () => gateway.close() };
    }
    const forked = Array.from({ length: workers }, () => forkWorker(config));
    const close = async () => {
      for (const { worker } of forked) worker.process.kill('SIGTERM');
      await Promise.all(forked.map((f) => f.exited));
    };
    try {
      // listen(0) in cluster workers: the first picks a port, the others share it.
      const urls = await Promise.all(forked.map((f) => f.ready));
      return { info: { url: urls[0]!, pids: [process.pid, ...forked.map((f) => f.worker.process.pid!)] }, close };
    } catch (error) {
      await close();
      throw error;
    }
  });
} else {
  process.once('message', (message: ToWorker) => {
    start(message.config).then(
      (gateway) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void gateway.close().finally(() => process.exit(0)));
        process.send!({ type: 'ready', url: gateway.url } satisfies FromWorker);
      },
      (error: unknown) => {
        process.send!({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies FromWorker);
        process.exit(1);
      },
    );
  });
  process.send!({ type: 'waiting' } satisfies FromWorker);
}
