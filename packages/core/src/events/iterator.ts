import type { GraphQLSchema } from 'graphql';
import { appError } from '../errors.js';
import { followStream, type FollowOptions } from './bus.js';
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
 * `filter` (per-event authorization), as an iterator for graphql-js's subscribe.
 */
export function streamIterator(
  options: Omit<FollowOptions, 'onEvent' | 'onError'> & { filter?: (event: EventMessage) => boolean | Promise<boolean>; maxQueue?: number },
): EventIterator<EventMessage> {
  return createEventIterator<EventMessage>({
    maxQueue: options.maxQueue ?? 128,
    start: async (sink) => {
      const following = await followStream({
        ...options,
        onEvent: async (event) => {
          if (!options.filter || (await options.filter(event))) sink.push(event);
        },
        onError: (error) => sink.fail(error),
      });
      return () => following.close();
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
