import { id, isUuid, parseInput, type PageArgs, subgraphDomain, loadOrNotFound } from '@organoise/core';
import type { WorkflowContext } from '../../context.js';
import { listDefinitionRuns, type RunListArgs } from '../runs/runs.js';
import {
  createDefinition,
  definitionByKey,
  listVersions,
  updateDefinition,
  versionKey,
  type DefinitionRow,
  type VersionRow,
} from './definitions.js';
import { permissions } from './permissions.js';

async function loadVersion(ctx: WorkflowContext, definitionId: string, version: number) {
  const row = await ctx.loaders.version.load(versionKey(definitionId, version));
  if (!row) throw new Error(`missing version ${definitionId}@${version}`);
  return row;
}

/** A mutation's result replaces whatever this request loaded before it. */
function fresh(ctx: WorkflowContext, row: DefinitionRow) {
  ctx.loaders.definition.clear(row.id).prime(row.id, row);
  return row;
}

export const definitionResolvers = {
  Query: {
    workflowDefinition: (_: unknown, args: { id: string }, ctx: WorkflowContext) => loadOrNotFound(ctx.loaders.definition, parseInput(id(), args.id), 'Workflow definition'),
    workflowDefinitionByKey: (_: unknown, args: { organizationId: string; key: string }, ctx: WorkflowContext) =>
      definitionByKey(ctx, args.organizationId, args.key),
  },
  Mutation: {
    createWorkflowDefinition: async (_: unknown, args: { input: unknown }, ctx: WorkflowContext) =>
      fresh(ctx, await createDefinition(ctx, args.input)),
    updateWorkflowDefinition: async (_: unknown, args: { input: unknown }, ctx: WorkflowContext) =>
      fresh(ctx, await updateDefinition(ctx, args.input)),
  },
  WorkflowDefinition: {
    __resolveReference: (ref: { id: string }, ctx: WorkflowContext) => (isUuid(ref.id) ? ctx.loaders.definition.load(ref.id) : null),
    organization: (d: DefinitionRow) => ({ id: d.organizationId }),
    version: (d: DefinitionRow) => d.latestVersion,
    latestVersion: (d: DefinitionRow, _: unknown, ctx: WorkflowContext) => loadVersion(ctx, d.id, d.latestVersion),
    versionByNumber: (d: DefinitionRow, args: { version: number }, ctx: WorkflowContext) =>
      args.version >= 1 && args.version <= d.latestVersion ? ctx.loaders.version.load(versionKey(d.id, args.version)) : null,
    versions: (d: DefinitionRow, args: PageArgs, ctx: WorkflowContext) => listVersions(ctx, d, args),
    runs: (d: DefinitionRow, args: RunListArgs, ctx: WorkflowContext) => listDefinitionRuns(ctx, d, args),
    createdBy: (d: DefinitionRow) => ({ id: d.createdBy }),
  },
  WorkflowDefinitionVersion: {
    definition: (v: VersionRow, _: unknown, ctx: WorkflowContext) => loadOrNotFound(ctx.loaders.definition, v.definitionId, 'Workflow definition'),
    states: (v: VersionRow) => v.spec.states,
    initialState: (v: VersionRow) => v.spec.initialState,
    transitions: (v: VersionRow) => v.spec.transitions,
    createdBy: (v: VersionRow) => ({ id: v.createdBy }),
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, definitionResolvers, permissions);
