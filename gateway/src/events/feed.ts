import type { Logger } from '@organoise/core';
import { Redis } from 'ioredis';

/**
 * What follows the subgraphs' published domain events (docs/protocols/subscriptions.md, section
 * 2): the response cache (its invalidations) and the live credential re-checks. Redis Pub/Sub is
 * at-most-once, so a follower must know when delivery may have failed: `healthy` holds from the
 * moment the PSUBSCRIBE is confirmed until the connection is lost, and a follower treats what it
 * learned before the loss, and the time without a feed, as unknown.
 */
export interface FeedListener {
  /** Every event published from now on reaches `event` (until `unhealthy`). */
  healthy(): void;
  /** Events published from now on may be lost (the connection closed or went silent). */
  unhealthy(): void;
  /** One published event, as its JSON text, on its channel. */
  event(message: string, channel: string): void;
}

export interface DomainEventFeed {
  readonly healthy: boolean;
  close(): Promise<void>;
}

export interface FeedOptions {
  /** The channels (a Redis glob): `organoise:*` for every subgraph's events. */
  pattern: string;
  /** What follows, for the logs (e.g. "response cache"). */
  name: string;
  /** A PING this often, unanswered within as long, counts as the connection lost (default 5 s). */
  pingMs?: number;
}

/**
 * Its own Redis connection, PSUBSCRIBEd to `pattern`. ioredis's automatic resubscription is off so
 * that the moment the subscription is back is known here (then `healthy`); a dropped connection is
 * `unhealthy` at once, since events published meanwhile are lost.
 */
export function followDomainEvents(url: string, listener: FeedListener, log: Logger, options: FeedOptions): DomainEventFeed {
  const pingMs = options.pingMs ?? 5000;
  const redis = new Redis(url, { maxRetriesPerRequest: null, autoResubscribe: false, lazyConnect: false });
  let closed = false;
  let healthy = false;
  const lost = (why: string) => {
    if (!healthy) return;
    healthy = false;
    listener.unhealthy();
    if (!closed) log.warn(`${options.name}: domain events lost`, { why });
  };
  redis.on('ready', () => {
    redis.psubscribe(options.pattern).then(
      () => {
        if (closed || redis.status !== 'ready' || healthy) return;
        healthy = true;
        listener.healthy();
        log.info(`${options.name}: following domain events`, { pattern: options.pattern });
      },
      (error: Error) => log.warn(`${options.name}: could not subscribe to domain events`, { error: error.message }),
    );
  });
  redis.on('close', () => lost('its Redis connection closed'));
  redis.on('error', (error: Error) => log.warn(`${options.name}: redis error`, { error: error.message }));
  redis.on('pmessage', (_pattern: string, channel: string, message: string) => listener.event(message, channel));
  // A connection that dies without closing (a peer or a middlebox gone silent) sends no 'close':
  // the follower would trust a feed that delivers nothing. A PING (allowed on a subscribed
  // connection) unanswered within the interval counts as the connection lost: unhealthy, then
  // reconnect; the resubscription makes it healthy again. A reply merely late (a starved event
  // loop) costs one such round, never a missed event.
  let pinging = false;
  const liveness = setInterval(() => {
    if (closed || pinging || !healthy) return;
    pinging = true;
    let answered = false;
    const timer = setTimeout(() => {
      if (answered || closed) return;
      lost(`its Redis connection did not answer a PING within ${pingMs} ms`);
      redis.disconnect(true);
    }, pingMs);
    timer.unref();
    redis
      .ping()
      .then(
        () => {
          answered = true;
        },
        () => {},
      )
      .finally(() => {
        clearTimeout(timer);
        pinging = false;
      });
  }, pingMs);
  liveness.unref();
  return {
    get healthy() {
      return healthy;
    },
    close: async () => {
      closed = true;
      clearInterval(liveness);
      if (healthy) {
        healthy = false;
        listener.unhealthy();
      }
      redis.disconnect();
    },
  };
}
