import { allowTypes, argId, defineRule, everyField, hasRoleInOrg, isAuthenticated, isMemberOf, isSelf, notFound, or, parentId, roleAtLeast, unauthenticated, forbidden, type IRules, type Role } from '@organoise/core';
import type { UserContext } from '../../context.js';
import { type OrganizationRow } from './organizations.js';

/**
 * This subgraph owns memberships, so its rules read roles from its own role source (UserServices.roles:
 * the database for people, memoised per request), not from the gateway's token: an organization
 * created a moment ago counts at once.
 */
export const fromMemberships = { roles: (ctx: UserContext) => ctx.roles };

/**
 * Organization rows are only ever loaded for a viewer (they carry that viewer's `viewerRole`,
 * read with the row). A row without one never came through a viewer-scoped lookup.
 */
const organizationOfViewer = defineRule<UserContext>('organizationOfViewer', (org: Partial<OrganizationRow>, _a, ctx) => {
  if (!ctx.viewer) return unauthenticated();
  return org.viewerRole ? true : notFound('Organization');
});

const organizationAdmin = defineRule<UserContext>('organizationAdmin', (org: Partial<OrganizationRow>, _a, ctx) => {
  if (!ctx.viewer) return unauthenticated();
  if (!org.viewerRole) return notFound('Organization');
  return roleAtLeast(org.viewerRole as Role, 'ADMIN') ? true : forbidden('This needs the ADMIN role or higher');
});

export const permissions: IRules = {
  Query: {
    organization: isMemberOf(argId('id'), fromMemberships),
    organizationBySlug: isAuthenticated,
    organizations: isAuthenticated,
  },
  Mutation: {
    createOrganization: isAuthenticated,
    updateOrganization: hasRoleInOrg('ADMIN', argId('input.id'), fromMemberships),
    inviteMember: hasRoleInOrg('ADMIN', argId('input.organizationId'), fromMemberships),
    // By invitation id: the resolver finds its organization and requires ADMIN there.
    revokeInvitation: isAuthenticated,
    // The invitee is not a member yet; the token and the invited email decide.
    acceptInvitation: isAuthenticated,
    changeMemberRole: hasRoleInOrg('ADMIN', argId('input.organizationId'), fromMemberships),
    // Anyone may leave; removing someone else needs ADMIN (the resolver decides which).
    removeMember: isMemberOf(argId('input.organizationId'), fromMemberships),
    setOrganizationIpAllowList: hasRoleInOrg('ADMIN', argId('input.organizationId'), fromMemberships),
  },
  Organization: everyField(organizationOfViewer, { invitations: organizationAdmin, auditLog: organizationAdmin, ipAllowList: organizationAdmin }),
  // The member themself (just joined, or listing their own memberships) or a fellow member.
  Membership: everyField(or(isSelf<UserContext>((m: { userId: string }) => m.userId), isMemberOf(parentId('organizationId'), fromMemberships))),
  Invitation: everyField(hasRoleInOrg('ADMIN', parentId('organizationId'), fromMemberships)),
  ...allowTypes('MembershipEdge', 'MembershipConnection', 'OrganizationEdge', 'OrganizationConnection', 'InvitationEdge', 'InvitationConnection', 'InvitePayload', 'RemoveMemberPayload'),
};
