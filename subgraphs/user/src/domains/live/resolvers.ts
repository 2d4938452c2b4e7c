import { eachEventWithFreshLoaders, notFound, subgraphDomain, type EventMessage } from '@organoise/core';
import type { UserContext } from '../../context.js';
import { currentMembership, followMembers, membershipPayload, organizationLeft, ownRemoval } from './live.js';
import { permissions } from './permissions.js';

export const liveResolvers = {
  Subscription: {
    membershipChanged: { subscribe: (_: unknown, args: unknown, ctx: UserContext) => followMembers(ctx, ctx.viewer, args), resolve: eachEventWithFreshLoaders },
  },
  MembershipEvent: {
    cursor: (e: EventMessage) => String(e.seq),
    at: (e: EventMessage) => e.createdAt,
    userId: (e: EventMessage) => membershipPayload(e).userId,
    role: (e: EventMessage) => membershipPayload(e).role,
    organization: async (e: EventMessage, _: unknown, ctx: UserContext) => {
      const organizationId = e.organizationId!;
      // A subscriber receives the events up to their own removal. One resolved after they left
      // (their removal may commit while an earlier event is on its way) shows the organization
      // as they knew it; the loader no longer finds it for them.
      const left = async () => {
        const removal = ctx.viewer ? await ownRemoval(ctx, organizationId, ctx.viewer.userId, e.seq) : null;
        return removal ? organizationLeft(ctx, organizationId, removal.formerRole) : null;
      };
      const org = (await ctx.loaders.organization.load(organizationId)) ?? (await left());
      if (!org) throw notFound('Organization');
      return org;
    },
    member: (e: EventMessage, _: unknown, ctx: UserContext) => currentMembership(ctx, e.organizationId!, membershipPayload(e).userId),
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, liveResolvers, permissions);
