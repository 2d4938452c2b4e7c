import { allowTypes, everyField, hasRoleInOrg, isMemberOf, orgOfRow, parentId, type IRules } from '@organoise/core';
import type { WorkflowContext } from '../../context.js';
import { definitionOrg } from '../definitions/permissions.js';
import { runsForViewer } from './runs.js';

/** A run's organization, through the viewer-scoped loader (or among the organizations their address is refused by: IP_NOT_ALLOWED). */
export const runOrg = (path: string) =>
  orgOfRow<WorkflowContext>(
    path,
    (id, ctx) => ctx.loaders.run.load(id),
    async (id, viewer, ctx) => (await runsForViewer({ db: ctx.db, viewer }, [id]))[0],
  );
const asRun = { what: 'Workflow run' };

export const permissions: IRules = {
  Query: {
    workflowRun: isMemberOf(runOrg('id'), asRun),
  },
  Mutation: {
    startWorkflowRun: hasRoleInOrg('MEMBER', definitionOrg('input.definitionId'), { what: 'Workflow definition' }),
    // Which roles may fire which transition is the definition's to say (TRANSITION_NOT_ALLOWED),
    // and cancelling is for admins or the run's starter: the engine decides past membership.
    transitionWorkflowRun: isMemberOf(runOrg('input.runId'), asRun),
    cancelWorkflowRun: isMemberOf(runOrg('input.runId'), asRun),
  },
  WorkflowRun: everyField(isMemberOf(parentId('organizationId'), asRun)),
  ...allowTypes('WorkflowRunHistoryEntry', 'WorkflowRunHistoryEdge', 'WorkflowRunHistoryConnection', 'WorkflowRunEdge', 'WorkflowRunConnection'),
};
