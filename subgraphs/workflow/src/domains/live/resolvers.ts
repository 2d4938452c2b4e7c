import { eachEventWithFreshLoaders, notFound, subgraphDomain, type EventMessage } from '@organoise/core';
import type { WorkflowContext } from '../../context.js';
import type { RunEventPayload, TaskEventPayload } from '../runs/events.js';
import { followMyTasks, followOrganizationRuns, followRun } from './live.js';
import { permissions } from './permissions.js';

const eventFields = {
  cursor: (e: EventMessage) => String(e.seq),
  at: (e: EventMessage) => e.createdAt,
};

export const liveResolvers = {
  Subscription: {
    workflowRunUpdated: { subscribe: (_: unknown, args: unknown, ctx: WorkflowContext) => followRun(ctx, args), resolve: eachEventWithFreshLoaders },
    workflowRunsChanged: { subscribe: (_: unknown, args: unknown, ctx: WorkflowContext) => followOrganizationRuns(ctx, args), resolve: eachEventWithFreshLoaders },
    myTasksChanged: { subscribe: (_: unknown, args: unknown, ctx: WorkflowContext) => followMyTasks(ctx, args), resolve: eachEventWithFreshLoaders },
  },
  WorkflowRunEvent: {
    ...eventFields,
    run: async (e: EventMessage, _: unknown, ctx: WorkflowContext) => {
      const run = await ctx.loaders.run.load((e.payload as unknown as RunEventPayload).runId);
      if (!run) throw notFound('Workflow run');
      return run;
    },
  },
  HumanTaskEvent: {
    ...eventFields,
    task: async (e: EventMessage, _: unknown, ctx: WorkflowContext) => {
      const task = await ctx.loaders.task.load((e.payload as unknown as TaskEventPayload).taskId);
      if (!task) throw notFound('Task');
      return task;
    },
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, liveResolvers, permissions);
