import type { Logger } from '@organoise/core';
import { followDomainEvents, type DomainEventFeed } from '../events/feed.js';
import type { ResponseStore } from './store.js';

/** Every domain event every subgraph publishes (docs/protocols/subscriptions.md, section 2). */
export const EVENT_PATTERN = 'organoise:*';

/** The tags an event drops; null: everything (an event of no organization, or one we cannot read). */
export function tagsOfEvent(message: string): string[] | null {
  let event: { type?: unknown; organizationId?: unknown; payload?: { userId?: unknown } | null };
  try {
    event = JSON.parse(message) as typeof event;
  } catch {
    return null;
  }
  // A person's sessions ended: requests on them are refused before the cache, so no answer of
  // anyone changed; theirs drop (cheap) rather than everyone's (an event of no organization).
  if (event?.type === 'session.ended' && typeof event.payload?.userId === 'string') return [`user:${event.payload.userId}`];
  if (typeof event?.organizationId !== 'string') return null;
  const tags = [`org:${event.organizationId}`];
  // Membership events name the person whose organizations changed: their own answers (the list of
  // their organizations, the organizations they may now open) drop too.
  const userId = event.payload?.userId;
  if (typeof userId === 'string') tags.push(`user:${userId}`);
  return tags;
}

export type EventFeed = DomainEventFeed;

/**
 * The cache's own feed of every published event. The cache serves only while the feed is healthy:
 * when the subscription is back the cache is flushed, then serves (events published meanwhile are
 * lost); when it is lost the cache flushes and stops serving at once (gateway/src/events/feed.ts).
 */
export function followEvents(url: string, store: ResponseStore, log: Logger, pingMs = 5000): EventFeed {
  return followDomainEvents(
    url,
    {
      healthy: () => store.setHealthy(true),
      unhealthy: () => store.setHealthy(false),
      event: (message) => {
        const tags = tagsOfEvent(message);
        if (tags) store.invalidate(tags);
        else store.flush();
      },
    },
    log,
    { pattern: EVENT_PATTERN, name: 'response cache', pingMs },
  );
}
