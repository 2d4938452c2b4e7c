import { argId, eventCursor, everyField, id, isAuthenticated, isMemberOf, z, type IRules } from '@organoise/core';
import { fromMemberships } from '../organizations/permissions.js';

// Checked when subscribing (core's subscribe guard); each event's organization and member are
// resolved through viewer-scoped loaders, and live.ts re-checks membership before each event.
export const permissions: IRules = {
  Subscription: {
    membershipChanged: isMemberOf(argId('organizationId'), { ...fromMemberships, input: z.object({ organizationId: id(), after: eventCursor() }) }),
  },
  MembershipEvent: everyField(isAuthenticated),
};
