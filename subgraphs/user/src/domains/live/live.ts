import { createEventIterator, eventCursor, followStream, id, parseInput, requireViewer, z, type EventMessage, type Role, type Viewer } from '@organoise/core';
import { and, eq } from 'drizzle-orm';
import { memberships, organizations } from '../../db/schema.js';
import type { UserServices } from '../../services.js';
import { membersStream, type MembershipEventPayload } from '../organizations/events.js';
import { requireRoleIn, roleOf, type MembershipRow, type OrganizationRow } from '../organizations/organizations.js';

/**
 * Subscriptions: who may follow the membership stream of an organization, and until when. Unlike
 * the other subgraphs, the user subgraph owns the memberships, so it checks them in its database,
 * not in the token: a role changed or a member removed a moment ago counts at once.
 */
export type LiveServices = Pick<UserServices, 'db' | 'bus' | 'eventPollIntervalMs'>;
export type EventSource = AsyncIterableIterator<EventMessage>;

const MembersArgs = z.object({ organizationId: id(), after: eventCursor() });

/** A subscriber cut off by a burst this large has stopped reading (same bound as the gateway's). */
const MAX_QUEUE = 128;

export const membershipPayload = (event: EventMessage) => event.payload as unknown as MembershipEventPayload;

/**
 * The organization's membership events, for a VIEWER or higher (NOT_FOUND for anyone else).
 * Before each event the subscriber's membership is read again (one lookup on the
 * (organization, user) unique index). Once they are no longer a member the subscription
 * completes: their own `membership.removed` is the last event they receive; any other event
 * that finds them gone (a removal that raced the replay) is dropped and ends it too.
 */
export async function followMembers(services: LiveServices, viewer: Viewer | null, rawArgs: unknown): Promise<EventSource> {
  const args = parseInput(MembersArgs, rawArgs);
  const v = requireViewer(viewer);
  await requireRoleIn(services.db, v, args.organizationId, 'VIEWER');
  return createEventIterator<EventMessage>({
    maxQueue: MAX_QUEUE,
    start: async (sink) => {
      let ended = false;
      const following = await followStream({
        bus: services.bus,
        stream: membersStream(args.organizationId),
        after: args.after,
        pollIntervalMs: services.eventPollIntervalMs,
        onEvent: async (event) => {
          if (ended) return;
          if (await roleOf(services.db, v.userId, args.organizationId)) {
            sink.push(event);
            return;
          }
          ended = true;
          if (event.type === 'membership.removed' && membershipPayload(event).userId === v.userId) sink.push(event);
          sink.end();
        },
        onError: (error) => sink.fail(error),
      });
      return () => following.close();
    },
  });
}

/** The member's membership as it is now; null once they left. */
export async function currentMembership(services: Pick<LiveServices, 'db'>, organizationId: string, userId: string): Promise<MembershipRow | null> {
  const [row] = await services.db
    .select()
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)));
  return row ?? null;
}

/**
 * The organization as seen in the last event of a subscriber who was just removed: the loader
 * no longer finds it for them, but it is theirs to learn that they left it. viewerRole is the
 * role they held until then; its lists refuse them like any non-member.
 */
export async function organizationLeft(services: Pick<LiveServices, 'db'>, organizationId: string, formerRole: Role): Promise<OrganizationRow | null> {
  const [row] = await services.db.select().from(organizations).where(eq(organizations.id, organizationId));
  return row ? { ...row, viewerRole: formerRole } : null;
}
