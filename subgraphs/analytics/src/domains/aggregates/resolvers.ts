import { subgraphDomain } from '@organoise/core';
import type { AnalyticsContext } from '../../context.js';
import { emptyStats, organizationActivity, parseStatsRange, type ActivityBucket } from './aggregates.js';
import { permissions } from './permissions.js';

export const aggregateResolvers = {
  Organization: {
    activity: (
      org: { id: string },
      args: { from?: Date | null; to?: Date | null; bucket?: ActivityBucket | null; types?: string[] | null },
      ctx: AnalyticsContext,
    ) => organizationActivity(ctx, org.id, args),
  },
  WorkflowDefinition: {
    // The workflow subgraph owns definitions; the representation carries their organization
    // (@requires), and only that organization's events count, for its members only.
    __resolveReference: (ref: { id: string; organization?: { id?: string } }) => ref,
    stats: async (def: { id: string; organization?: { id?: string } }, args: { from?: Date | null; to?: Date | null }, ctx: AnalyticsContext) => {
      const range = parseStatsRange(args);
      const organizationId = def.organization?.id;
      if (!organizationId) return emptyStats(def.id);
      return (await ctx.loaders.workflowDefinitionStats(range).load(`${organizationId}/${def.id}`)) ?? emptyStats(def.id);
    },
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, aggregateResolvers, permissions);
