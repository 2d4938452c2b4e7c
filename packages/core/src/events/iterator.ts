import { appError } from '../errors.js';
import { followStream, type FollowOptions } from './bus.js';
import type { EventMessage } from './pubsub.js';

export interface EventSink<T> {
  push(value: T): void;
  fail(error: unknown): void;
  /** No more values: the consumer gets what is queued, then done. */
  end(): void;
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
}): AsyncIterableIterator<T> {
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

  const iterator: AsyncIterableIterator<T> = {
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
): AsyncIterableIterator<EventMessage> {
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
