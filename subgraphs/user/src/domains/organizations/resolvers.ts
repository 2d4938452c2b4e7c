import { id, notFound, parseInput, refuseDeniedOrg, requireRoleFrom, type PageArgs, subgraphDomain } from '@organoise/core';
import type { UserContext } from '../../context.js';
import {
  acceptInvitation,
  inviteMember,
  invitationStatus,
  listInvitations,
  revokeInvitation,
  type InvitationRow,
} from './invitations.js';
import {
  changeMemberRole,
  listMembers,
  removeMember,
  type MemberOrder,
  type MembershipRow,
} from './memberships.js';
import {
  createOrganization,
  listViewerOrganizations,
  organizationBySlug,
  updateOrganization,
  type OrganizationRow,
} from './organizations.js';
import { organizationIpAllowList, setOrganizationIpAllowList } from './allow-lists.js';
import { forOrganization, listAuditEvents } from '../audit/audit.js';
import { permissions } from './permissions.js';

async function loadOrganization(ctx: UserContext, organizationId: string) {
  refuseDeniedOrg(ctx.viewer, organizationId);
  ctx.loaders.organization.clear(organizationId);
  const org = await ctx.loaders.organization.load(organizationId);
  if (!org) throw notFound('Organization');
  return org;
}

export const organizationResolvers = {
  Query: {
    organization: (_: unknown, args: { id: string }, ctx: UserContext) => loadOrganization(ctx, parseInput(id(), args.id)),
    organizationBySlug: (_: unknown, args: { slug: string }, ctx: UserContext) => organizationBySlug(ctx, args.slug),
    organizations: (_: unknown, args: PageArgs, ctx: UserContext) => listViewerOrganizations(ctx, args),
  },
  Mutation: {
    createOrganization: (_: unknown, args: { input: unknown }, ctx: UserContext) => createOrganization(ctx, args.input),
    updateOrganization: (_: unknown, args: { input: unknown }, ctx: UserContext) => updateOrganization(ctx, args.input),
    inviteMember: (_: unknown, args: { input: unknown }, ctx: UserContext) => inviteMember(ctx, args.input),
    revokeInvitation: (_: unknown, args: { id: string }, ctx: UserContext) => revokeInvitation(ctx, args.id),
    acceptInvitation: (_: unknown, args: { token: string }, ctx: UserContext) => acceptInvitation(ctx, args.token),
    changeMemberRole: (_: unknown, args: { input: unknown }, ctx: UserContext) => changeMemberRole(ctx, args.input),
    setOrganizationIpAllowList: (_: unknown, args: { input: unknown }, ctx: UserContext) => setOrganizationIpAllowList(ctx, args.input),
    removeMember: async (_: unknown, args: { input: unknown }, ctx: UserContext) => {
      const result = await removeMember(ctx, args.input);
      return { removedUserId: result.removedUserId, organization: await loadOrganization(ctx, result.organizationId).catch(() => null) };
    },
  },
  Organization: {
    __resolveReference: (ref: { id: string }, ctx: UserContext) => ctx.loaders.organization.load(ref.id),
    members: (
      org: OrganizationRow,
      args: PageArgs & { filter?: { role?: never; search?: string } | null; orderBy?: MemberOrder | null },
      ctx: UserContext,
    ) => listMembers(ctx, org.id, args),
    auditLog: async (org: OrganizationRow, args: PageArgs & { filter?: unknown }, ctx: UserContext) => {
      await requireRoleFrom(ctx.roles, ctx.viewer, org.id, 'ADMIN');
      return listAuditEvents(ctx.db, forOrganization(org.id), args);
    },
    ipAllowList: (org: OrganizationRow, _: unknown, ctx: UserContext) => organizationIpAllowList(ctx, org.id),
    invitations: (org: OrganizationRow, args: PageArgs & { status?: never }, ctx: UserContext) => listInvitations(ctx, org.id, args),
  },
  Membership: {
    joinedAt: (m: MembershipRow) => m.createdAt,
    organization: (m: MembershipRow, _: unknown, ctx: UserContext) => ctx.loaders.organization.load(m.organizationId),
    user: (m: MembershipRow, _: unknown, ctx: UserContext) => ctx.loaders.user.load(m.userId),
  },
  Invitation: {
    status: (i: InvitationRow, _: unknown, ctx: UserContext) => invitationStatus(i, ctx.clock.now()),
    organization: (i: InvitationRow, _: unknown, ctx: UserContext) => ctx.loaders.organization.load(i.organizationId),
    invitedBy: (i: InvitationRow, _: unknown, ctx: UserContext) => (i.invitedBy ? ctx.loaders.user.load(i.invitedBy) : null),
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, organizationResolvers, permissions);
