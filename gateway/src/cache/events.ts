import type { Logger } from '@organoise/core';
import { Redis } from 'ioredis';
import type { ResponseStore } from './store.js';

/** Every domain event every subgraph publishes (docs/protocols/subscriptions.md, section 2). */
export const EVENT_PATTERN = 'organoise:*';

/** The tags an event drops; null: everything (an event of no organization, or one we cannot read). */
export function tagsOfEvent(message: string): string[] | null {
  let event: { organizationId?: unknown; payload?: { userId?: unknown } | null };
  try {
    event = JSON.parse(message) as typeof event;
  } catch {
    return null;
  }
  if (typeof event?.organizationId !== 'string') return null;
  const tags = [`org:${event.organizationId}`];
  // Membership events name the person whose organizations changed: their own answers (the list of
  // their organizations, the organizations they may now open) drop too.
  const userId = event.payload?.userId;
  if (typeof userId === 'string') tags.push(`user:${userId}`);
  return tags;
}

export interface EventFeed {
  close(): Promise<void>;
}

/**
 * The cache's own Redis connection, PSUBSCRIBEd to every published event. The cache serves only
 * while this subscription is up: ioredis's automatic resubscription is off so that the moment the
 * subscription is back is known here (flush, then serve); a dropped connection flushes and stops
 * serving at once, since events published meanwhile are lost (Redis Pub/Sub is at-most-once).
 */
export function followEvents(url: string, store: ResponseStore, log: Logger, pingMs = 5000): EventFeed {
  const redis = new Redis(url, { maxRetriesPerRequest: null, autoResubscribe: false, lazyConnect: false });
  let closed = false;
  redis.on('ready', () => {
    redis.psubscribe(EVENT_PATTERN).then(
      () => {
        if (closed || redis.status !== 'ready') return;
        store.setHealthy(true);
        log.info('response cache serving (subscribed to domain events)');
      },
      (error: Error) => log.warn('response cache could not subscribe to domain events', { error: error.message }),
    );
  });
  redis.on('close', () => {
    if (!store.serving) return;
    store.setHealthy(false);
    if (!closed) log.warn('response cache bypassed: its Redis connection closed');
  });
  redis.on('error', (error: Error) => log.warn('response cache redis error', { error: error.message }));
  redis.on('pmessage', (_pattern: string, _channel: string, message: string) => {
    const tags = tagsOfEvent(message);
    if (tags) store.invalidate(tags);
    else store.flush();
  });
  // A connection that dies without closing (a peer or a middlebox gone silent) sends no 'close':
  // the cache would go on serving while no event reaches it, up to the entries' maximum age. A PING
  // (allowed on a subscribed connection) unanswered within the interval counts as the connection
  // lost: flush, stop serving and reconnect; the resubscription then serves again. A reply merely
  // late (a starved event loop) costs one flush, never a stale answer.
  let pinging = false;
  const liveness = setInterval(() => {
    if (closed || pinging || !store.serving) return;
    pinging = true;
    let answered = false;
    const timer = setTimeout(() => {
      if (answered || closed) return;
      log.warn('response cache bypassed: its Redis connection did not answer a PING', { afterMs: pingMs });
      store.setHealthy(false);
      redis.disconnect(true);
    }, pingMs);
    timer.unref();
    redis.ping().then(
      () => {
        answered = true;
      },
      () => {},
    ).finally(() => {
      clearTimeout(timer);
      pinging = false;
    });
  }, pingMs);
  liveness.unref();
  return {
    close: async () => {
      closed = true;
      clearInterval(liveness);
      store.setHealthy(false);
      redis.disconnect();
    },
  };
}
