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

  async close(): Promise<void> {
    this.channels.clear();
  }
}

/**
 * Redis Pub/Sub through graphql-redis-subscriptions on ioredis, for many replicas. Uses the
 * library's callback API (subscribe/unsubscribe), not its async iterators, which leak when
 * returned while suspended.
 */
export class RedisEventPubSub implements PubSub {
  private readonly pubsub: RedisPubSub;
  private readonly local = new Map<string, number>();
  private closed = false;

  constructor(url: string, onError?: (error: Error) => void) {
    const options = { maxRetriesPerRequest: null, lazyConnect: false };
    const publisher = new Redis(url, options);
    const subscriber = new Redis(url, options);
    for (const client of [publisher, subscriber]) client.on('error', (error: Error) => onError?.(error));
    // The library bundles its own ioredis typings; the instances are ours (one client version at run time).
    this.pubsub = new RedisPubSub({ publisher: publisher as never, subscriber: subscriber as never });
  }

  publish(channel: string, message: EventMessage): Promise<void> {
    return this.pubsub.publish(channel, message);
  }

  async subscribe(channel: string, onMessage: (message: EventMessage) => void): Promise<Unsubscribe> {
    const id = await this.pubsub.subscribe<EventMessage>(channel, onMessage);
    this.local.set(channel, (this.local.get(channel) ?? 0) + 1);
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      // After close() the connections are gone: the library would fire an UNSUBSCRIBE that
      // rejects unobserved ("Connection is closed"). Closing already dropped every subscription.
      if (this.closed) return;
      this.pubsub.unsubscribe(id);
      const left = (this.local.get(channel) ?? 1) - 1;
      if (left <= 0) this.local.delete(channel);
      else this.local.set(channel, left);
    };
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
