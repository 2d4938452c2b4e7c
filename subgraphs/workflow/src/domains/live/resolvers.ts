import { eachEventWithFreshLoaders, subgraphDomain, type EventMessage, loadOrNotFound } from '@organoise/core';
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
    run: (e: EventMessage, _: unknown, ctx: WorkflowContext) => loadOrNotFound(ctx.loaders.run, (e.payload as unknown as RunEventPayload).runId, 'Workflow run'),
  },
  HumanTaskEvent: {
    ...eventFields,
    task: (e: EventMessage, _: unknown, ctx: WorkflowContext) => loadOrNotFound(ctx.loaders.task, (e.payload as unknown as TaskEventPayload).taskId, 'Task'),
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, liveResolvers, permissions);
