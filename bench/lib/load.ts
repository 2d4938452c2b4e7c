import autocannon from 'autocannon';

export interface LoadResult {
  /** Latency of every completed response, in ms. */
  latencies: number[];
  elapsedMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Responses whose body failed `verifyBody`. */
  mismatches: number;
  /** The start of the first body that failed `verifyBody`. */
  firstMismatch?: string;
}

let running: autocannon.Instance | undefined;

/** Stops the load run in progress, if any (on SIGINT). */
export const stopLoad = () => running?.stop();

/**
 * Closed-loop load: each connection sends the next request as soon as the previous answer is in.
 * Every latency is kept (autocannon's own summary has no p95).
 */
export async function closedLoop(options: {
  url: string;
  body: string;
  connections: number;
  seconds: number;
  verifyBody: (body: string) => boolean;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  let firstMismatch: string | undefined;
  const verify = (body: string) => {
    const ok = options.verifyBody(body);
    if (!ok) firstMismatch ??= body.slice(0, 300);
    return ok;
  };
  const started = process.hrtime.bigint();
  // Without a callback autocannon returns its tracker (an event emitter) made thenable; its
  // typings only know the promise.
  const instance = autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: options.body,
    connections: options.connections,
    duration: options.seconds,
    timeout: 30,
    verifyBody: (body) => typeof body === 'string' && verify(body),
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  running = instance;
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
  const result = await instance;
  running = undefined;
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    latencies,
    elapsedMs,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    ...(firstMismatch === undefined ? {} : { firstMismatch }),
  };
}

/** The q-quantile (0..1) of the values, nearest-rank. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
