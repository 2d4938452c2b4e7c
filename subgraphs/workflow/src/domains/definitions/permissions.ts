import { allowTypes, argId, everyField, hasRoleInOrg, isMemberOf, orgOfRow, parentId, type IRules } from '@organoise/core';
import type { WorkflowContext } from '../../context.js';
import { definitionsForViewer } from './definitions.js';

/** A definition's organization, found through the viewer-scoped loader (another tenant's: not found; one the viewer's address is refused by: IP_NOT_ALLOWED). */
export const definitionOrg = (path: string) =>
  orgOfRow<WorkflowContext>(
    path,
    (id, ctx) => ctx.loaders.definition.load(id),
    async (id, viewer, ctx) => (await definitionsForViewer({ db: ctx.db, viewer }, [id]))[0],
  );
const asDefinition = { what: 'Workflow definition' };

// Roles come from the gateway's token (this subgraph does not own memberships); the data layer
// (core's requireRole and roleIn) checks again.
export const permissions: IRules = {
  Query: {
    workflowDefinition: isMemberOf(definitionOrg('id'), asDefinition),
    workflowDefinitionByKey: isMemberOf(argId('organizationId')),
  },
  Mutation: {
    createWorkflowDefinition: hasRoleInOrg('ADMIN', argId('input.organizationId')),
    updateWorkflowDefinition: hasRoleInOrg('ADMIN', definitionOrg('input.id'), asDefinition),
  },
  WorkflowDefinition: everyField(isMemberOf(parentId('organizationId'), asDefinition)),
  // Reached only from a definition or a run, each guarded by its organization.
  ...allowTypes(
    'WorkflowDefinitionVersion',
    'WorkflowState',
    'WorkflowTaskSpec',
    'WorkflowTransition',
    'WorkflowDefinitionEdge',
    'WorkflowDefinitionConnection',
    'WorkflowDefinitionVersionEdge',
    'WorkflowDefinitionVersionConnection',
  ),
};
