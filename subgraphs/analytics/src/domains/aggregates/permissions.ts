import { allowTypes, type IRules } from '@organoise/core';

export const permissions: IRules = {
  // A definition is only an id here (the workflow subgraph owns it, and resolves it only for its
  // organization's members). Its stats count events of the viewer's organizations only
  // (aggregates.ts): zeros for anyone else, anonymous callers included (aggregates.test.ts), so
  // nothing of another tenant's is shown and an error would only tell that the id exists.
  // Computed values below are reached only through guarded parents.
  ...allowTypes('WorkflowDefinition', 'OrganizationActivity', 'ActivityPoint', 'ActivityTypeCount', 'WorkflowDefinitionStats'),
};
