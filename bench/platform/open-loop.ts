import http from 'node:http';

// Open-loop load at a fixed arrival rate: request i is due at start + i/rate whether or not the
// earlier ones were answered, and its latency is counted from that scheduled instant, not from
// when a socket became free, so a stall shows up in every request it delays (no coordinated
// omission). A request due while `maxInFlight` are still unanswered is not sent and counts as
// dropped: the service is behind by then, and a client-side queue would only grow. Built on
// node:http with a keep-alive pool of `maxInFlight` sockets.

export interface Request {
  body: string;
  headers: Record<string, string>;
  /** Whether a 200 response body is the right answer. */
  verify(body: string): boolean;
}

export interface OpenLoopResult {
  rate: number;
  scheduled: number;
  /** Latency of every successful response, from its scheduled send time, in ms. */
  latencies: number[];
  /** From the first scheduled send to the last answer. */
  elapsedMs: number;
  dropped: number;
  non2xx: number;
  /** Transport failures and answers with GraphQL errors (a refusal, a timeout, an internal error). */
  errors: number;
  /** Answers without errors that differ from the checked one: wrong data. */
  mismatches: number;
  firstFailure?: string;
}

let stopping = false;
/** Ends the run in progress early (on SIGINT). */
export const stopOpenLoop = () => {
  stopping = true;
};

export async function openLoop(options: {
  url: string;
  rate: number;
  seconds: number;
  request: (i: number) => Request;
  maxInFlight: number;
}): Promise<OpenLoopResult> {
  const url = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxInFlight });
  const total = Math.round(options.rate * options.seconds);
  const intervalMs = 1000 / options.rate;
  const result: OpenLoopResult = { rate: options.rate, scheduled: total, latencies: [], elapsedMs: 0, dropped: 0, non2xx: 0, errors: 0, mismatches: 0 };
  const fail = (kind: 'non2xx' | 'errors' | 'mismatches', detail: string) => {
    result[kind]++;
    result.firstFailure ??= `${kind}: ${detail.slice(0, 300)}`;
  };
  let inFlight = 0;
  let lastAnswer = 0;
  let allSent: () => void;
  const drained = new Promise<void>((resolve) => (allSent = resolve));
  let sent = 0;
  let done = 0;
  const finish = () => {
    done++;
    if (done === total) allSent();
  };

  const send = (i: number, scheduledAt: number) => {
    const { body, headers, verify } = options.request(i);
    inFlight++;
    const req = http.request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const now = performance.now();
          lastAnswer = now;
          inFlight--;
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) fail('non2xx', `${res.statusCode} ${text}`);
          else if (!verify(text)) fail(text.includes('"errors":') ? 'errors' : 'mismatches', text);
          else result.latencies.push(now - scheduledAt);
          finish();
        });
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', (error) => {
      inFlight--;
      fail('errors', error.message);
      finish();
    });
    req.end(body);
  };

  stopping = false;
  const start = performance.now() + 5;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
      for (; sent < due; sent++) {
        const scheduledAt = start + sent * intervalMs;
        // Every socket busy: sending would only queue it behind the others.
        if (inFlight >= options.maxInFlight) {
          result.dropped++;
          finish();
        } else send(sent, scheduledAt);
      }
      if (sent >= total || stopping) {
        if (stopping) for (; sent < total; sent++) finish();
        resolve();
      } else setTimeout(tick, Math.max(0, Math.min(1, start + sent * intervalMs - performance.now())));
    };
    setTimeout(tick, 5);
  });
  if (total === 0) allSent!();
  await drained;
  agent.destroy();
  result.elapsedMs = Math.max(lastAnswer, start + total * intervalMs) - start;
  return result;
}
