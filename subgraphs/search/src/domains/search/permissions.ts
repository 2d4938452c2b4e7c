import { allowTypes, argId, isMemberOf, type IRules } from '@organoise/core';

// Roles come from the gateway's token; search.ts checks again (requireRole). Hits are stubs: what
// they show is decided by the subgraph that owns each entity.
export const permissions: IRules = {
  Query: {
    search: isMemberOf(argId('organizationId')),
  },
  ...allowTypes('SearchConnection', 'SearchEdge', 'SearchHighlight', 'SearchMatch', 'SearchFacet', 'User', 'WorkflowDefinition', 'WorkflowRun', 'HumanTask', 'File'),
};
