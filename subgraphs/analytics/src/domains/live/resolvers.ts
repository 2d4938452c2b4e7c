import type { EventMessage } from '@organoise/core';
import type { AnalyticsContext } from '../../context.js';
import { followOrganizationMetrics, metricsAfter } from './live.js';

export const liveResolvers = {
  Subscription: {
    liveMetrics: {
      subscribe: (_: unknown, args: unknown, ctx: AnalyticsContext) => followOrganizationMetrics(ctx, ctx.viewer, args),
      resolve: (event: EventMessage, args: unknown, ctx: AnalyticsContext) => metricsAfter(ctx, ctx.viewer, event, args),
    },
  },
};
