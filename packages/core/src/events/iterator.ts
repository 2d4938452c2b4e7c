import type { GraphQLSchema } from 'graphql';
import { appError } from '../errors.js';
import { roleIn, type Viewer } from '../identity.js';
import type { EventBus } from './bus.js';
import { followStream, type FollowOptions } from './bus.js';
import { upstreamOperation, type UpstreamOperation } from './live-ack.js';
import { toMessage } from './pubsub.js';
import type { EventMessage } from './pubsub.js';

export interface EventSink<T> {
  push(value: T): void;
  fail(error: unknown): void;
  /** No more values: the consumer gets what is queued, then done. */
  end(): void;
}

/** An event iterator that says when its source is in place (see `started`). */
export interface EventIterator<T> extends AsyncIterableIterator<T> {
  /**
   * Settles once `start` has settled: from then on every value the source produces reaches this
   * iterator (for a stream follower: its position is pinned and it listens). Never rejects: a
   * start that failed is reported by `next()`.
   */
  readonly started: Promise<void>;
}

/**
 * An explicit AsyncIterableIterator over pushed values with a bounded queue. Not an async
 * generator: a generator suspended on `await` cannot be returned, which leaks its upstream
 * (the graphql-redis-subscriptions leak class). `return()` here always closes the upstream.
 * A consumer that lets `maxQueue` values pile up is cut off with SLOW_CONSUMER.
 */
export function createEventIterator<T>(options: {
  maxQueue: number;
  start: (sink: EventSink<T>) => Promise<() => Promise<void>>;
}): EventIterator<T> {
  const queue: T[] = [];
  let waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  let failure: unknown = null;
  let done = false;
  let ending = false;
  let closeUpstream: (() => Promise<void>) | null = null;

  const finish = async () => {
    if (done) return;
    done = true;
    queue.length = 0;
    const close = closeUpstream;
    closeUpstream = null;
    await close?.().catch(() => {});
  };

  const sink: EventSink<T> = {
    push(value) {
      if (done || ending) return;
      if (waiting) {
        const w = waiting;
        waiting = null;
        w.resolve({ value, done: false });
        return;
      }
      if (queue.length >= options.maxQueue) {
        sink.fail(appError('SLOW_CONSUMER', `More than ${options.maxQueue} events waited for this subscriber; it was cut off`));
        return;
      }
      queue.push(value);
    },
    end() {
      if (done || ending) return;
      ending = true;
      if (queue.length === 0) {
        void finish();
        if (waiting) {
          const w = waiting;
          waiting = null;
          w.resolve({ value: undefined, done: true });
        }
      }
    },
    fail(error) {
      if (done) return;
      failure = error;
      if (waiting) {
        const w = waiting;
        waiting = null;
        w.reject(error);
      }
      void finish();
    },
  };

  const started = options.start(sink).then(
    (close) => {
      if (done) void close();
      else closeUpstream = close;
    },
    (error) => sink.fail(error),
  );

  const iterator: EventIterator<T> = {
    started,
    async next() {
      await started;
      if (queue.length > 0) {
        const value = queue.shift()!;
        if (ending && queue.length === 0) void finish();
        return { value, done: false };
      }
      if (failure) {
        const error = failure;
        failure = null;
        throw error;
      }
      if (done) return { value: undefined, done: true };
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    async return() {
      await finish();
      if (waiting) {
        const w = waiting;
        waiting = null;
        w.resolve({ value: undefined, done: true });
      }
      return { value: undefined, done: true };
    },
    async throw(error) {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * A subscription resolver's source: the events of one stream (resumed after `after`), kept by
 * `filter` (per-event authorization), as an iterator for graphql-js's subscribe. Under an
 * upstream operation of the gateway (upstreamOperation) it reports its positions, and a replay
 * reads a bounded page of the log instead of following (docs/protocols/subscriptions.md, section 3).
 */
export function streamIterator(
  options: Omit<FollowOptions, 'onEvent' | 'onError'> & { filter?: (event: EventMessage) => boolean | Promise<boolean>; maxQueue?: number },
): EventIterator<EventMessage> {
  const operation = upstreamOperation.getStore();
  const iterator = operation?.replay
    ? replayIterator(options, operation, operation.replay)
    : createEventIterator<EventMessage>({
        maxQueue: options.maxQueue ?? 128,
        start: async (sink) => {
          const following = await followStream({
            ...options,
            onEvent: async (event) => {
              if (!options.filter || (await options.filter(event))) sink.push(event);
            },
            onError: (error) => sink.fail(error),
          });
          if (operation) operation.pinned = following.lastSeq();
          return () => following.close();
        },
      });
  if (!operation) return iterator;
  // graphql-js maps one source event at a time: the event just handed over is the one being sent.
  const next = iterator.next.bind(iterator);
  iterator.next = async () => {
    const step = await next();
    if (!step.done) operation.position = step.value.seq;
    return step;
  };
  return iterator;
}

/** What a subgraph's subscription resolver returns: its events, one stream's, filtered per event. */
export type EventSource = AsyncIterableIterator<EventMessage>;

/** The per-event filter of a stream whose events carry their organization: the viewer's organizations only (by the token). */
export const inViewersOrganizations =
  (viewer: Viewer) =>
  (event: EventMessage): boolean =>
    event.organizationId !== null && roleIn(viewer, event.organizationId) !== null;

/**
 * A live domain's subscription source: `stream` after `after`, kept by `filter`, through the
 * subgraph's event bus and poll interval (streamIterator), so that each domain says only which
 * stream and which events, after checking who may follow it.
 */
export function followFor(
  services: { bus: EventBus; eventPollIntervalMs: number },
  stream: string,
  after: number | null,
  filter: (event: EventMessage) => boolean | Promise<boolean>,
): EventSource {
  return streamIterator({ bus: services.bus, stream, after, filter, pollIntervalMs: services.eventPollIntervalMs });
}

/**
 * One page of a stream's log, read at the consumer's pace: the events after `after` up to
 * `until`, at most `limit` of them read (kept or not by the filter), then the end. The gateway
 * pages through a resuming subscriber's backlog this way (flow control), then hands it to the
 * shared live topic.
 */
function replayIterator(
  options: Omit<FollowOptions, 'onEvent' | 'onError'> & { filter?: (event: EventMessage) => boolean | Promise<boolean> },
  operation: UpstreamOperation,
  replay: { until: number; limit: number },
): EventIterator<EventMessage> {
  return createEventIterator<EventMessage>({
    maxQueue: replay.limit,
    start: async (sink) => {
      const after = options.after ?? 0;
      operation.replayedTo = after;
      void (async () => {
        let last = after;
        let read = 0;
        while (read < replay.limit && last < replay.until) {
          const page = await options.bus.log.read(options.stream, last, Math.min(100, replay.limit - read), replay.until);
          if (page.length === 0) {
            // Nothing left up to `until`, although the stream went that far: trimmed away.
            if (last < replay.until) throw appError('EVENT_LOG_TRUNCATED', `Events after ${last} on this stream are no longer kept; start from a fresh read`, { stream: options.stream, after: last });
            break;
          }
          if (page[0]!.seq !== last + 1) throw appError('EVENT_LOG_TRUNCATED', `Events after ${last} on this stream are no longer kept; start from a fresh read`, { stream: options.stream, after: last });
          for (const event of page) {
            const message = toMessage(event);
            if (!options.filter || (await options.filter(message))) sink.push(message);
            last = event.seq;
            read++;
          }
        }
        operation.replayedTo = last;
        sink.end();
      })().catch((error: unknown) => sink.fail(error));
      return async () => {};
    },
  });
}

/**
 * Makes every Subscription field of `schema` resolve its source only once the source is in place
 * (an EventIterator's `started`), so that graphql-ws's subscribe, and the `live` acknowledgement
 * a subgraph sends after it (docs/protocols/subscriptions.md, section 3), come after the stream
 * position is pinned. Sources of other kinds are returned as they are.
 */
export function awaitSubscriptionSources(schema: GraphQLSchema): GraphQLSchema {
  const subscription = schema.getSubscriptionType();
  for (const field of Object.values(subscription?.getFields() ?? {})) {
    const subscribe = field.subscribe;
    if (!subscribe) continue;
    field.subscribe = async (source, args, context, info) => {
      const result: unknown = await subscribe(source, args, context, info);
      if (isEventIterator(result)) await result.started;
      return result;
    };
  }
  return schema;
}

const isEventIterator = (value: unknown): value is EventIterator<unknown> =>
  typeof value === 'object' && value !== null && (value as { started?: unknown }).started instanceof Promise;
