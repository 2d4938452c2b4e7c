import type { Emit, Role } from '@organoise/core';

/** Who joined, changed role or left an organization: followed by `membershipChanged`. */
export const membersStream = (organizationId: string) => `user.org:${organizationId}:members`;

export type MembershipEventType = 'membership.added' | 'membership.role_changed' | 'membership.removed';

/** What the log keeps of a membership change: ids and roles, nothing about the person. */
export interface MembershipEventPayload {
  userId: string;
  /** The role after the change; null once removed. */
  role: Role | null;
  /** The role before the change; null when added. */
  previousRole: Role | null;
  actorId: string | null;
}

export function emitMembershipEvent(emit: Emit, type: MembershipEventType, organizationId: string, payload: MembershipEventPayload) {
  return emit({ stream: membersStream(organizationId), type, organizationId, payload: { ...payload } });
}
