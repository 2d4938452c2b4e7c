import { id, isUuid, parseInput, subgraphDomain, loadOrNotFound } from '@organoise/core';
import type { WorkflowContext } from '../../context.js';
import { completeTask, isAssignedTo, listMyTasks, type MyTasksArgs, type TaskRow } from './tasks.js';
import { permissions } from './permissions.js';

export const taskResolvers = {
  Query: {
    humanTask: (_: unknown, args: { id: string }, ctx: WorkflowContext) => loadOrNotFound(ctx.loaders.task, parseInput(id(), args.id), 'Task'),
    myTasks: (_: unknown, args: MyTasksArgs, ctx: WorkflowContext) => listMyTasks(ctx, args),
  },
  Mutation: {
    completeTask: async (_: unknown, args: { input: unknown }, ctx: WorkflowContext) => {
      const task = await completeTask(ctx, args.input);
      // The run moved on in this request: later fields must not see it as it was before.
      ctx.loaders.task.clear(task.id).prime(task.id, task);
      ctx.loaders.run.clear(task.runId);
      ctx.loaders.openTask.clear(task.runId);
      return task;
    },
  },
  HumanTask: {
    __resolveReference: (ref: { id: string }, ctx: WorkflowContext) => (isUuid(ref.id) ? ctx.loaders.task.load(ref.id) : null),
    organization: (t: TaskRow) => ({ id: t.organizationId }),
    run: (t: TaskRow, _: unknown, ctx: WorkflowContext) => loadOrNotFound(ctx.loaders.run, t.runId, 'Workflow run'),
    assignee: (t: TaskRow) => (t.assigneeId ? { id: t.assigneeId } : null),
    viewerIsAssignee: (t: TaskRow, _: unknown, ctx: WorkflowContext) => isAssignedTo(t, ctx.viewer),
    completedBy: (t: TaskRow) => (t.completedBy ? { id: t.completedBy } : null),
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, taskResolvers, permissions);
