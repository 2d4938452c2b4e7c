import { allow, everyField, isAuthenticated, type IRules } from '@organoise/core';

export const permissions: IRules = {
  // Its key alone is a reference a guarded File hands out for the gateway to resolve
  // (File.workflowRun). A run's files need a viewer; which files is runs.ts's to scope: only
  // files of the viewer's organizations that are also the run's (its @requires organization), so
  // a forged or foreign representation lists nothing. The contract there is an empty list, not
  // an error (file.test.ts, "files of workflow runs"), hence no organization rule on this type.
  WorkflowRun: everyField(isAuthenticated, { id: allow }),
};
