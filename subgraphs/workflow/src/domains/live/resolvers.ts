import { notFound, type EventMessage } from '@organoise/core';
import { renewLoaders, type WorkflowContext } from '../../context.js';
import type { RunEventPayload, TaskEventPayload } from '../runs/events.js';
import { followMyTasks, followOrganizationRuns, followRun } from './live.js';

/** Runs once per event, before its selection: each event reads current rows. */
const eachEvent = (event: EventMessage, _args: unknown, ctx: WorkflowContext) => {
  renewLoaders(ctx);
  return event;
};

const eventFields = {
  cursor: (e: EventMessage) => String(e.seq),
  at: (e: EventMessage) => e.createdAt,
};

export const liveResolvers = {
  Subscription: {
    workflowRunUpdated: { subscribe: (_: unknown, args: unknown, ctx: WorkflowContext) => followRun(ctx, ctx.viewer, args), resolve: eachEvent },
    workflowRunsChanged: { subscribe: (_: unknown, args: unknown, ctx: WorkflowContext) => followOrganizationRuns(ctx, ctx.viewer, args), resolve: eachEvent },
    myTasksChanged: { subscribe: (_: unknown, args: unknown, ctx: WorkflowContext) => followMyTasks(ctx, ctx.viewer, args), resolve: eachEvent },
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
