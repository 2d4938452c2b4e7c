import { createEventIterator, eventCursor, followStream, id, parseInput, requireRoleFrom, requireViewer, roleFrom, toMessage, z, type EventMessage, type Role, type Viewer } from '@organoise/core';
import { and, eq } from 'drizzle-orm';
import { memberships, organizations } from '../../db/schema.js';
import type { UserServices } from '../../services.js';
import { membersStream, type MembershipEventPayload } from '../organizations/events.js';
import { type MembershipRow } from '../organizations/memberships.js';
import { type OrganizationRow } from '../organizations/organizations.js';

/**
 * Subscriptions: who may follow the membership stream of an organization, and until when. Unlike
 * the other subgraphs, the user subgraph owns the memberships, so it checks them in its database,
 * not in the token: a role changed or a member removed a moment ago counts at once.
 */
export type LiveServices = Pick<UserServices, 'db' | 'bus' | 'eventPollIntervalMs' | 'roles'>;
export type EventSource = AsyncIterableIterator<EventMessage>;

const MembersArgs = z.object({ organizationId: id(), after: eventCursor() });

/** A subscriber cut off by a burst this large has stopped reading (same bound as the gateway's). */
const MAX_QUEUE = 128;

export const membershipPayload = (event: EventMessage) => event.payload as unknown as MembershipEventPayload;

/**
 * The organization's membership events, for a VIEWER or higher (NOT_FOUND for anyone else).
 * Before each event the subscriber's membership is read again (one lookup on the
 * (organization, user) unique index). Once they are no longer a member, events up to their own
 * `membership.removed` (found in the stream) are still delivered, that removal last, and the
 * subscription completes; if no removal of theirs lies ahead, it completes at once.
 */
export async function followMembers(services: LiveServices, viewer: Viewer | null, rawArgs: unknown): Promise<EventSource> {
  const args = parseInput(MembersArgs, rawArgs);
  const v = requireViewer(viewer);
  await requireRoleFrom(services.roles, v, args.organizationId, 'VIEWER');
  return createEventIterator<EventMessage>({
    maxQueue: MAX_QUEUE,
    start: async (sink) => {
      let ended = false;
      /** The seq of the subscriber's own removal once they are found gone; null if none lies ahead. */
      let removalSeq: number | null | undefined;
      const stream = membersStream(args.organizationId);
      const following = await followStream({
        bus: services.bus,
        stream,
        after: args.after,
        pollIntervalMs: services.eventPollIntervalMs,
        onEvent: async (event) => {
          if (ended) return;
          if (removalSeq === undefined && (await roleFrom(services.roles, v, args.organizationId))) {
            sink.push(event);
            return;
          }
          // No longer a member. Events are processed after they commit, so "now" can be past this
          // event: the stream itself says when they left. Deliver up to their own removal, then end.
          if (removalSeq === undefined) removalSeq = (await ownRemoval(services, args.organizationId, v.userId, event.seq))?.seq ?? null;
          if (removalSeq !== null && event.seq <= removalSeq) {
            sink.push(event);
            if (event.seq < removalSeq) return;
          }
          ended = true;
          sink.end();
        },
        onError: (error) => sink.fail(error),
      });
      return () => following.close();
    },
  });
}

/**
 * A member's own removal at or after `seq` in the organization's stream, with the role they held
 * until then; null if none lies there. Read only on the rare path of a subscriber who left.
 */
export async function ownRemoval(services: Pick<LiveServices, 'bus'>, organizationId: string, userId: string, seq: number): Promise<{ seq: number; formerRole: Role } | null> {
  const stream = membersStream(organizationId);
  for (let after = seq - 1; ; ) {
    const page = await services.bus.log.read(stream, after, 500);
    const own = page.find((e) => e.type === 'membership.removed' && membershipPayload(toMessage(e)).userId === userId);
    if (own) return { seq: own.seq, formerRole: membershipPayload(toMessage(own)).previousRole ?? 'VIEWER' };
    if (page.length < 500) return null;
    after = page.at(-1)!.seq;
  }
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
