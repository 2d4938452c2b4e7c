import { roleIn, subgraphDomain } from '@organoise/core';
import type { WorkflowContext } from '../../context.js';
import { listDefinitions, type DefinitionListArgs } from '../definitions/definitions.js';
import { listOrganizationRuns, type RunListArgs } from '../runs/runs.js';
import { permissions } from './permissions.js';

type OrganizationRef = { id: string };

export const organizationResolvers = {
  Organization: {
    // Another tenant's organization resolves to null, so none of its fields are reached.
    __resolveReference: (ref: OrganizationRef, ctx: WorkflowContext) => (roleIn(ctx.viewer, ref.id) ? { id: ref.id } : null),
    workflows: (org: OrganizationRef, args: DefinitionListArgs, ctx: WorkflowContext) => listDefinitions(ctx, org.id, args),
    workflowRuns: (org: OrganizationRef, args: RunListArgs, ctx: WorkflowContext) => listOrganizationRuns(ctx, org.id, args),
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, organizationResolvers, permissions);
