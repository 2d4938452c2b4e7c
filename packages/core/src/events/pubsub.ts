import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import type { StoredEvent } from './log.js';

/** What travels on a channel: one stored event (docs/protocols/subscriptions.md, section 2). */
export type EventMessage = Omit<StoredEvent, 'createdAt'> & { createdAt: string };

export type Unsubscribe = () => Promise<void>;

/**
 * Fan-out of committed events between processes. At-most-once by contract: followers fill any
 * gap from the event log, so an implementation may drop messages (Redis does, while a
 * subscriber is disconnected) but must not reorder one publisher's messages on one channel.
 */
export interface PubSub {
  publish(channel: string, message: EventMessage): Promise<void>;
  subscribe(channel: string, onMessage: (message: EventMessage) => void): Promise<Unsubscribe>;
  /** Channels with at least one local subscriber (to prove nothing leaks). */
  activeChannels(): string[];
  /**
   * False while live delivery cannot work (Redis unreachable): followers then read the log
   * about every second instead of waiting for messages, and readiness reports the bus degraded.
   */
  healthy(): boolean;
  close(): Promise<void>;
}

/** One process: the embedded default. */
export class MemoryPubSub implements PubSub {
  private readonly channels = new Map<string, Set<(message: EventMessage) => void>>();

  async publish(channel: string, message: EventMessage): Promise<void> {
    // Deliver asynchronously, as a network transport would, so publishers never run subscriber code.
    const listeners = this.channels.get(channel);
    if (!listeners) return;
    const copy = structuredClone(message);
    queueMicrotask(() => {
      for (const listener of [...listeners]) listener(copy);
    });
  }

  async subscribe(channel: string, onMessage: (message: EventMessage) => void): Promise<Unsubscribe> {
    let listeners = this.channels.get(channel);
    if (!listeners) this.channels.set(channel, (listeners = new Set()));
    const listener = (m: EventMessage) => onMessage(m);
    listeners.add(listener);
    return async () => {
      listeners!.delete(listener);
      if (listeners!.size === 0 && this.channels.get(channel) === listeners) this.channels.delete(channel);
    };
  }

  activeChannels(): string[] {
    return [...this.channels.keys()];
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.channels.clear();
  }
}

/** How long a subscribe waits for Redis to confirm before the follower goes on without it (it reads the log meanwhile). */
const SUBSCRIBE_CONFIRM_MS = 1000;

/**
 * Redis Pub/Sub through graphql-redis-subscriptions on ioredis, for many replicas. Uses the
 * library's callback API (subscribe/unsubscribe), not its async iterators, which leak when
 * returned while suspended.
 */
export class RedisEventPubSub implements PubSub {
  private readonly pubsub: RedisPubSub;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly local = new Map<string, number>();
  private closed = false;
  private publisherWasReady = false;
  private subscriberWasReady = false;

  constructor(url: string, onError?: (error: Error) => void) {
    const options = { maxRetriesPerRequest: null, lazyConnect: false };
    this.publisher = new Redis(url, options);
    this.subscriber = new Redis(url, options);
    this.publisher.once('ready', () => (this.publisherWasReady = true));
    this.subscriber.once('ready', () => (this.subscriberWasReady = true));
    for (const client of [this.publisher, this.subscriber]) client.on('error', (error: Error) => onError?.(error));
    // The library bundles its own ioredis typings; the instances are ours (one client version at run time).
    this.pubsub = new RedisPubSub({ publisher: this.publisher as never, subscriber: this.subscriber as never });
  }

  /**
   * Fails at once once Redis was reached and then lost, rather than waiting in ioredis's offline
   * queue until it returns: a publish follows a commit and followers find the event in the log,
   * so holding it helps nobody and the queue would grow for the whole outage. Before the first
   * connection it waits (start-up). The subscriber keeps its queue: a SUBSCRIBE sent while Redis
   * is down completes on reconnect, and ioredis resubscribes every channel after one.
   */
  publish(channel: string, message: EventMessage): Promise<void> {
    if (this.publisherWasReady && this.publisher.status !== 'ready') return Promise.reject(new Error('Redis is unreachable'));
    return this.pubsub.publish(channel, message);
  }

  async subscribe(channel: string, onMessage: (message: EventMessage) => void): Promise<Unsubscribe> {
    // Listen first (the caller reads the log next), but never hang on an unreachable Redis: past
    // SUBSCRIBE_CONFIRM_MS, or at once once Redis was lost, go on; the SUBSCRIBE completes later
    // and meanwhile the follower reads the log (healthy() is false until it reconnects).
    const pending = this.pubsub.subscribe<EventMessage>(channel, onMessage);
    let id: number | undefined;
    let done = false;
    const settled = pending.then(
      (subscribed) => {
        id = subscribed;
        if (done && !this.closed) this.pubsub.unsubscribe(subscribed);
      },
      () => {}, // refused (the connection was closed): the follower reads the log
    );
    if (this.subscriber.status === 'ready' || !this.subscriberWasReady) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([settled, new Promise<void>((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_CONFIRM_MS)))]);
      clearTimeout(timer);
    }
    this.local.set(channel, (this.local.get(channel) ?? 0) + 1);
    return async () => {
      if (done) return;
      done = true;
      const left = (this.local.get(channel) ?? 1) - 1;
      if (left <= 0) this.local.delete(channel);
      else this.local.set(channel, left);
      // After close() the connections are gone: the library would fire an UNSUBSCRIBE that
      // rejects unobserved ("Connection is closed"). Closing already dropped every subscription.
      // A SUBSCRIBE still pending is undone when it completes (above).
      if (this.closed || id === undefined) return;
      this.pubsub.unsubscribe(id);
    };
  }

  healthy(): boolean {
    return this.publisher.status === 'ready' && this.subscriber.status === 'ready';
  }

  activeChannels(): string[] {
    return [...this.local.keys()];
  }

  /** Channels this process's Redis connection is subscribed to, as Redis reports them. */
  async redisChannels(): Promise<string[]> {
    return (await this.pubsub.getPublisher().pubsub('CHANNELS', '*')) as string[];
  }

  async close(): Promise<void> {
    this.closed = true;
    this.local.clear();
    await this.pubsub.close();
  }
}

export function createPubSub(redisUrl: string | undefined, onError?: (error: Error) => void): PubSub {
  return redisUrl ? new RedisEventPubSub(redisUrl, onError) : new MemoryPubSub();
}

export const toMessage = (event: StoredEvent): EventMessage => ({ ...event, createdAt: event.createdAt.toISOString() });
