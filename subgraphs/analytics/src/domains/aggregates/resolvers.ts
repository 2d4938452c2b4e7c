import type { AnalyticsContext } from '../../context.js';
import { emptyStats, organizationActivity, parseStatsRange, type ActivityBucket } from './aggregates.js';

export const aggregateResolvers = {
  Organization: {
    activity: (
      org: { id: string },
      args: { from?: Date | null; to?: Date | null; bucket?: ActivityBucket | null; types?: string[] | null },
      ctx: AnalyticsContext,
    ) => organizationActivity(ctx.db, ctx.viewer, org.id, args),
  },
  WorkflowDefinition: {
    // The workflow subgraph owns definitions; stats are scoped to the viewer's organizations instead.
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    stats: async (def: { id: string }, args: { from?: Date | null; to?: Date | null }, ctx: AnalyticsContext) =>
      (await ctx.loaders.workflowDefinitionStats(parseStatsRange(args)).load(def.id)) ?? emptyStats(def.id),
  },
};
