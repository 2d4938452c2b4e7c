import { allowTypes, everyField, isAuthenticated, isMemberOf, orgOfRow, parentId, type IRules } from '@organoise/core';
import type { WorkflowContext } from '../../context.js';
import { tasksForViewer } from './tasks.js';

const taskOrg = (path: string) =>
  orgOfRow<WorkflowContext>(
    path,
    (id, ctx) => ctx.loaders.task.load(id),
    async (id, viewer, ctx) => (await tasksForViewer({ db: ctx.db, viewer }, [id]))[0],
  );
const asTask = { what: 'Task' };

export const permissions: IRules = {
  Query: {
    humanTask: isMemberOf(taskOrg('id'), asTask),
    // The viewer's own tasks, across their organizations.
    myTasks: isAuthenticated,
  },
  Mutation: {
    // The assignee or a holder of the assignee role (FORBIDDEN otherwise): tasks.ts decides past membership.
    completeTask: isMemberOf(taskOrg('input.taskId'), asTask),
  },
  HumanTask: everyField(isMemberOf(parentId('organizationId'), asTask)),
  ...allowTypes('HumanTaskEdge', 'HumanTaskConnection'),
};
