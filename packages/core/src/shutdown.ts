import type { Logger } from './log.js';

/** Something that serves behind a load balancer: fails readiness first, then closes. */
export interface Drainable {
  drain(): void;
  close(): Promise<void>;
}

/**
 * A graceful stop, as a rolling restart needs it (docs/operations.md, "Scaling out"): readiness
 * fails at once (`drain`), the process keeps serving for `delayMs` while load balancers see that
 * and stop sending it new requests, then `close` stops accepting, finishes the requests in flight
 * and ends sockets (graphql-ws clients get 1001 and resume elsewhere from their cursor).
 */
export async function gracefulShutdown(server: Drainable, delayMs: number, log: Logger): Promise<void> {
  server.drain();
  log.info('draining', { delayMs });
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  await server.close();
}

/**
 * Runs `stop` once on the first SIGINT or SIGTERM, then exits 0 (1 if it threw). Later signals are
 * ignored: with GATEWAY_WORKERS a Ctrl-C reaches a worker twice (from the terminal and from the
 * primary passing it on), and the second must not cut the drain short.
 */
export function onStopSignal(stop: () => Promise<void>, log: Logger): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          log.error('stopping failed', { error });
          process.exit(1);
        },
      );
    });
  }
}
