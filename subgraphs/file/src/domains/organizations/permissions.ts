import { everyField, hasRoleInOrg, isMemberOf, parentId, type IRules } from '@organoise/core';

export const permissions: IRules = {
  // The user subgraph owns organizations; here one is only ever its id, for its members.
  Organization: everyField(isMemberOf(parentId('id')), {
    // Deleted files are out of members' sight: admins and owners restore them.
    deletedFiles: hasRoleInOrg('ADMIN', parentId('id')),
  }),
};
