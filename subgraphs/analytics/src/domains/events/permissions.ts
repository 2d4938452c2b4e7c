import { allowTypes, argId, everyField, hasRoleInOrg, isMemberOf, parentId, type IRules } from '@organoise/core';

// Roles come from the gateway's token; events.ts checks again (requireRole).
export const permissions: IRules = {
  Mutation: {
    ingestEvents: hasRoleInOrg('MEMBER', argId('input.organizationId')),
  },
  // The user subgraph owns organizations; here one is only ever its id, for its members.
  Organization: everyField(isMemberOf(parentId('id'))),
  AnalyticsEvent: everyField(isMemberOf(parentId('organizationId'))),
  ...allowTypes('AnalyticsEventEdge', 'AnalyticsEventConnection', 'IngestEventsPayload', 'User'),
};
