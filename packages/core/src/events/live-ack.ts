import type { ExecutionResult } from 'graphql';

/**
 * The live acknowledgement between the gateway and a subgraph's graphql-ws server
 * (docs/protocols/subscriptions.md, section 3). The gateway's upstream `subscribe` carries
 * `extensions: { organoise: { ack: true } }`; the subgraph then answers with one `next` whose
 * payload is `{ extensions: { organoise: { live: true } } }` (no data) as soon as the source is in
 * place: the stream position is pinned and it listens, so every event committed from then on
 * follows. The gateway accepts its client's subscription only then.
 */
export const LIVE_ACK_REQUEST = { organoise: { ack: true } } as const;
const LIVE_ACK: ExecutionResult = { extensions: { organoise: { live: true } } };

export function wantsLiveAck(extensions: unknown): boolean {
  return (extensions as { organoise?: { ack?: unknown } } | null | undefined)?.organoise?.ack === true;
}

/** True for the acknowledgement itself (not an event: it carries no data and no errors). */
export function isLiveAck(result: { data?: unknown; errors?: unknown; extensions?: unknown }): boolean {
  return result.data === undefined && result.errors === undefined && (result.extensions as { organoise?: { live?: unknown } } | undefined)?.organoise?.live === true;
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function';
}

/** `source` with the acknowledgement first. An explicit iterator, not a generator: return() always reaches the source. */
export function withLiveAck(source: AsyncIterableIterator<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  let acknowledged = false;
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next: () => {
      if (acknowledged) return source.next();
      acknowledged = true;
      return Promise.resolve({ value: LIVE_ACK, done: false });
    },
    return: (value?: unknown) => source.return?.(value) ?? Promise.resolve({ value: undefined, done: true }),
    throw: (error?: unknown) => source.throw?.(error) ?? Promise.reject(error),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
