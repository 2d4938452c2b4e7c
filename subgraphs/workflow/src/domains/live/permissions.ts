import { argId, eventCursor, everyField, id, isAuthenticated, isMemberOf, parentId, z, type IRules } from '@organoise/core';

// Checked when subscribing (core's subscribe guard). Each event must be of one of the viewer's
// organizations, and its run or task comes through viewer-scoped loaders.
const OrganizationArgs = z.object({ organizationId: id(), after: eventCursor() });

export const permissions: IRules = {
  Subscription: {
    // live.ts looks the run up among the viewer's organizations (NOT_FOUND otherwise) to follow
    // it: the same lookup in the rule doubled the cost of subscribing (measured: the 1,000-cycle
    // e2e test went over its time limit), and each event still passes WorkflowRunEvent's rule.
    workflowRunUpdated: isAuthenticated,
    workflowRunsChanged: isMemberOf(argId('organizationId'), { input: OrganizationArgs }),
    myTasksChanged: isMemberOf(argId('organizationId'), { input: OrganizationArgs }),
  },
  WorkflowRunEvent: everyField(isMemberOf(parentId('organizationId'))),
  HumanTaskEvent: everyField(isMemberOf(parentId('organizationId'))),
};
