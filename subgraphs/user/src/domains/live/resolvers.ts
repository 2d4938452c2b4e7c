import { notFound, type EventMessage } from '@organoise/core';
import { renewLoaders, type UserContext } from '../../context.js';
import { currentMembership, followMembers, membershipPayload, organizationLeft } from './live.js';

/** Runs once per event, before its selection: each event reads current rows. */
const eachEvent = (event: EventMessage, _args: unknown, ctx: UserContext) => {
  renewLoaders(ctx);
  return event;
};

export const liveResolvers = {
  Subscription: {
    membershipChanged: { subscribe: (_: unknown, args: unknown, ctx: UserContext) => followMembers(ctx, ctx.viewer, args), resolve: eachEvent },
  },
  MembershipEvent: {
    cursor: (e: EventMessage) => String(e.seq),
    at: (e: EventMessage) => e.createdAt,
    userId: (e: EventMessage) => membershipPayload(e).userId,
    role: (e: EventMessage) => membershipPayload(e).role,
    organization: async (e: EventMessage, _: unknown, ctx: UserContext) => {
      const organizationId = e.organizationId!;
      const payload = membershipPayload(e);
      const org =
        (await ctx.loaders.organization.load(organizationId)) ??
        (e.type === 'membership.removed' && payload.userId === ctx.viewer?.userId && payload.previousRole
          ? await organizationLeft(ctx, organizationId, payload.previousRole)
          : null);
      if (!org) throw notFound('Organization');
      return org;
    },
    member: (e: EventMessage, _: unknown, ctx: UserContext) => currentMembership(ctx, e.organizationId!, membershipPayload(e).userId),
  },
};
