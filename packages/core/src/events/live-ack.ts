import { AsyncLocalStorage } from 'node:async_hooks';
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

/**
 * One upstream operation as the stream source sees it (docs/protocols/subscriptions.md, section
 * 3): what the gateway asked for, and the positions the source reports back. The subgraph's
 * graphql-ws server makes it current (upstreamOperation) while the operation subscribes, and puts
 * its fields into the messages it sends: the live acknowledgement carries `pinned`, each event its
 * `position`, and a replay ends with `replayedTo`.
 */
export interface UpstreamOperation {
  /** The gateway speaks this protocol (it asked for an acknowledgement or a replay). */
  gateway: boolean;
  /** A bounded read instead of a live follow: the events after `after` up to `until`, at most `limit`, then the end. */
  replay?: { until: number; limit: number } | undefined;
  /** Where a live follow starts: the stream position it pinned. */
  pinned?: number;
  /** The position of the event being sent. */
  position?: number;
  /** Where a replay stopped reading (its last event, delivered or filtered out). */
  replayedTo?: number;
}

export const upstreamOperation = new AsyncLocalStorage<UpstreamOperation>();

/** The largest page a replay may ask for. */
export const MAX_REPLAY_PAGE = 1000;

/** The upstream operation a subscribe message asks for (anything malformed is no replay). */
export function upstreamOperationOf(extensions: unknown): UpstreamOperation {
  const organoise = (extensions as { organoise?: { ack?: unknown; replay?: { until?: unknown; limit?: unknown } } } | null | undefined)?.organoise;
  const replay = organoise?.replay;
  const valid = replay && Number.isSafeInteger(replay.until) && (replay.until as number) >= 0 && Number.isSafeInteger(replay.limit) && (replay.limit as number) >= 1;
  return {
    gateway: organoise?.ack === true || Boolean(valid),
    ...(valid ? { replay: { until: replay.until as number, limit: Math.min(replay.limit as number, MAX_REPLAY_PAGE) } } : {}),
  };
}

/** The extensions a subgraph adds to an event for the gateway: the event's stream position. */
export function withPosition(result: ExecutionResult, operation: UpstreamOperation | undefined): ExecutionResult {
  // Markers (the acknowledgement, a replay's end) carry no data and keep their own extensions.
  if (!operation?.gateway || operation.position === undefined || result.data === undefined) return result;
  return { ...result, extensions: { ...result.extensions, organoise: { position: operation.position } } };
}

/** The stream position an upstream event carries, if any. */
export function positionOf(result: { extensions?: unknown }): number | undefined {
  const position = (result.extensions as { organoise?: { position?: unknown } } | undefined)?.organoise?.position;
  return typeof position === 'number' ? position : undefined;
}

/** The position a live acknowledgement reports (where the upstream's live follow starts). */
export function pinnedOf(result: { extensions?: unknown }): number | undefined {
  const pinned = (result.extensions as { organoise?: { pinned?: unknown } } | undefined)?.organoise?.pinned;
  return typeof pinned === 'number' ? pinned : undefined;
}

/** The end marker of a replay: where it stopped reading; undefined for anything else. */
export function replayedToOf(result: { data?: unknown; errors?: unknown; extensions?: unknown }): number | undefined {
  if (result.data !== undefined || result.errors !== undefined) return undefined;
  const to = (result.extensions as { organoise?: { replayedTo?: unknown } } | undefined)?.organoise?.replayedTo;
  return typeof to === 'number' ? to : undefined;
}

/** `source` (a replay), then one data-less message saying where the replay stopped reading. */
export function withReplayEnd(source: AsyncIterableIterator<ExecutionResult>, operation: UpstreamOperation): AsyncIterableIterator<ExecutionResult> {
  let ended = false;
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next: async () => {
      if (ended) return { value: undefined, done: true };
      const step = await source.next();
      if (!step.done) return step;
      ended = true;
      return { value: { extensions: { organoise: { replayedTo: operation.replayedTo ?? 0 } } }, done: false };
    },
    return: (value?: unknown) => source.return?.(value) ?? Promise.resolve({ value: undefined, done: true }),
    throw: (error?: unknown) => source.throw?.(error) ?? Promise.reject(error),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

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

/**
 * `source` with the acknowledgement first (with the pinned position, when the source is a stream).
 * An explicit iterator, not a generator: return() always reaches the source.
 */
export function withLiveAck(source: AsyncIterableIterator<ExecutionResult>, operation?: UpstreamOperation): AsyncIterableIterator<ExecutionResult> {
  let acknowledged = false;
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next: () => {
      if (acknowledged) return source.next();
      acknowledged = true;
      const pinned = operation?.pinned;
      return Promise.resolve({ value: { extensions: { organoise: { live: true, ...(pinned !== undefined ? { pinned } : {}) } } }, done: false });
    },
    return: (value?: unknown) => source.return?.(value) ?? Promise.resolve({ value: undefined, done: true }),
    throw: (error?: unknown) => source.throw?.(error) ?? Promise.reject(error),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
