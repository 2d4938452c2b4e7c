import { subgraphDomain } from '@organoise/core';
import type { EventMessage } from '@organoise/core';
import type { AnalyticsContext } from '../../context.js';
import { followOrganizationMetrics, metricsAfter } from './live.js';
import { permissions } from './permissions.js';

export const liveResolvers = {
  Subscription: {
    liveMetrics: {
      subscribe: (_: unknown, args: unknown, ctx: AnalyticsContext) => followOrganizationMetrics(ctx, args),
      resolve: (event: EventMessage, args: unknown, ctx: AnalyticsContext) => metricsAfter(ctx, event, args),
    },
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, liveResolvers, permissions);
