import { subgraphDomain } from '@organoise/core';
import type { PageArgs } from '@organoise/core';
import type { AnalyticsContext } from '../../context.js';
import { ingestEvents, listEvents, visibleOrganization, type EventFilter, type EventRow } from './events.js';
import { permissions } from './permissions.js';

export const eventResolvers = {
  Mutation: {
    ingestEvents: (_: unknown, args: { input: unknown }, ctx: AnalyticsContext) => ingestEvents(ctx, args.input),
  },
  Organization: {
    __resolveReference: (ref: { id: string }, ctx: AnalyticsContext) => visibleOrganization(ctx.viewer, ref.id),
    events: (org: { id: string }, args: PageArgs & { filter?: EventFilter | null }, ctx: AnalyticsContext) =>
      listEvents(ctx, org.id, args),
  },
  AnalyticsEvent: {
    id: (e: EventRow) => e.clientId,
    actor: (e: EventRow) => (e.actorId ? { __typename: 'User', id: e.actorId } : null),
    organization: (e: EventRow) => ({ __typename: 'Organization', id: e.organizationId }),
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, eventResolvers, permissions);
