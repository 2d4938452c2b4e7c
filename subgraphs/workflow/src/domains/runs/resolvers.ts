import { id, isUuid, parseInput, type PageArgs, type SortDirection, subgraphDomain, loadOrNotFound } from '@organoise/core';
import type { WorkflowContext } from '../../context.js';
import type { HumanTaskStatus } from '../../db/schema.js';
import { versionKey } from '../definitions/definitions.js';
import { listRunTasks } from '../tasks/tasks.js';
import { firableTransitions } from './engine.js';
import { cancelRun, listHistory, startRun, transitionRun, type HistoryRow, type RunRow } from './runs.js';
import { permissions } from './permissions.js';

async function pinnedVersion(ctx: WorkflowContext, run: RunRow) {
  const version = await ctx.loaders.version.load(versionKey(run.definitionId, run.definitionVersion));
  if (!version) throw new Error(`run ${run.id} pins a missing version`);
  return version;
}

/** A mutation's result replaces whatever this request loaded before it (the run and its open task). */
export function freshRun(ctx: WorkflowContext, run: RunRow) {
  ctx.loaders.run.clear(run.id).prime(run.id, run);
  ctx.loaders.openTask.clear(run.id);
  return run;
}

export const runResolvers = {
  Query: {
    workflowRun: (_: unknown, args: { id: string }, ctx: WorkflowContext) => loadOrNotFound(ctx.loaders.run, parseInput(id(), args.id), 'Workflow run'),
  },
  Mutation: {
    startWorkflowRun: async (_: unknown, args: { input: unknown }, ctx: WorkflowContext) => freshRun(ctx, await startRun(ctx, args.input)),
    transitionWorkflowRun: async (_: unknown, args: { input: unknown }, ctx: WorkflowContext) =>
      freshRun(ctx, await transitionRun(ctx, args.input)),
    cancelWorkflowRun: async (_: unknown, args: { input: unknown }, ctx: WorkflowContext) => freshRun(ctx, await cancelRun(ctx, args.input)),
  },
  WorkflowRun: {
    __resolveReference: (ref: { id: string }, ctx: WorkflowContext) => (isUuid(ref.id) ? ctx.loaders.run.load(ref.id) : null),
    organization: (r: RunRow) => ({ id: r.organizationId }),
    definition: (r: RunRow, _: unknown, ctx: WorkflowContext) => loadOrNotFound(ctx.loaders.definition, r.definitionId, 'Workflow definition'),
    definitionSpec: (r: RunRow, _: unknown, ctx: WorkflowContext) => pinnedVersion(ctx, r),
    startedBy: (r: RunRow) => ({ id: r.startedBy }),
    history: (r: RunRow, args: PageArgs & { direction?: SortDirection | null }, ctx: WorkflowContext) => listHistory(ctx, r, args),
    tasks: (r: RunRow, args: PageArgs & { status?: HumanTaskStatus | null }, ctx: WorkflowContext) => listRunTasks(ctx, r, args),
    openTask: async (r: RunRow, _: unknown, ctx: WorkflowContext) => (await ctx.loaders.openTask.load(r.id))[0] ?? null,
    availableTransitions: async (r: RunRow, _: unknown, ctx: WorkflowContext) => firableTransitions((await pinnedVersion(ctx, r)).spec, r, ctx.viewer),
    cancelledBy: (r: RunRow) => (r.cancelledBy ? { id: r.cancelledBy } : null),
  },
  WorkflowRunHistoryEntry: {
    sequence: (h: HistoryRow) => h.seq,
    from: (h: HistoryRow) => h.fromState,
    to: (h: HistoryRow) => h.toState,
    actor: (h: HistoryRow) => ({ id: h.actorId }),
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, runResolvers, permissions);
