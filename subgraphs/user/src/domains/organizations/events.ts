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

/**
 * Changes of the organization itself (its name, its IP allow-list). No subscription follows this
 * stream: membershipChanged's MembershipEvent is about a member, so these stay off the members
 * stream; search indexes no organization. Its readers are the caches that drop an organization's
 * answers when one of its events is published (the gateway's response cache,
 * docs/protocols/response-cache-events.md).
 */
export const organizationStream = (organizationId: string) => `user.org:${organizationId}:organization`;

export const ORGANIZATION_UPDATED = 'organization.updated';

/** Which fields of the organization changed; never their values (an allow-list maps a network). */
export type OrganizationField = 'name' | 'ipAllowList';

export interface OrganizationEventPayload {
  fields: OrganizationField[];
  actorId: string;
}

export function emitOrganizationUpdated(emit: Emit, organizationId: string, payload: OrganizationEventPayload) {
  return emit({ stream: organizationStream(organizationId), type: ORGANIZATION_UPDATED, organizationId, payload: { ...payload, fields: [...payload.fields] } });
}
