import { allowTypes, everyField, isMemberOf, parentId, type IRules } from '@organoise/core';

export const permissions: IRules = {
  // The user subgraph owns organizations; here one is only ever its id, for its members.
  Organization: everyField(isMemberOf(parentId('id'))),
  // A reference to a user (id only, resolved by the user subgraph under its own rules).
  ...allowTypes('User'),
};
