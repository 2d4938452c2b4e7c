import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '@organoise/core';

/**
 * Runs in the primary process when the gateway is started with several workers (GATEWAY_WORKERS):
 * forks them (each runs the entry point again and listens on the shared port; the primary hands
 * out connections round-robin) and replaces a worker that dies while serving. A worker that dies
 * before it ever listened would only die again: then everything stops with a non-zero exit code.
 * SIGINT/SIGTERM are passed on to the workers, which close gracefully. Resolves once every worker
 * has exited.
 *
 * Per-process state stays per worker: in-memory rate-limit counters (set REDIS_URL to share them),
 * the principal cache, and each worker's own subscriptions to the subgraphs.
 */
export function superviseWorkers(count: number, log: Logger): Promise<void> {
  let stopping = false;
  const listening = new Set<Worker>();
  const live = new Set<Worker>();
  return new Promise((resolve) => {
    const fork = () => {
      const worker = cluster.fork();
      live.add(worker);
      worker.once('listening', () => listening.add(worker));
      worker.once('exit', (code, signal) => {
        live.delete(worker);
        if (!stopping) {
          if (listening.has(worker)) {
            log.error('gateway worker exited; starting another', { pid: worker.process.pid, code, signal });
            fork();
          } else {
            log.error('gateway worker exited before listening; stopping', { pid: worker.process.pid, code, signal });
            process.exitCode = 1;
            stop('SIGTERM');
          }
        }
        listening.delete(worker);
        if (stopping && live.size === 0) resolve();
      });
    };
    const stop = (signal: NodeJS.Signals) => {
      stopping = true;
      for (const worker of live) worker.process.kill(signal);
      if (live.size === 0) resolve();
    };
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop(signal));
    for (let i = 0; i < count; i++) fork();
    log.info('gateway primary supervising workers', { workers: count });
  });
}
