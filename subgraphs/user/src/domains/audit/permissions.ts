import { allowTypes, everyField, hasRoleInOrg, isSelf, or, parentId, type IRules } from '@organoise/core';
import type { UserContext } from '../../context.js';
import { fromMemberships } from '../organizations/permissions.js';

// An event about the user themself (User.securityEvents), or one of an organization the viewer
// administers (Organization.auditLog). The IP address inside is masked further (resolvers.ts).
export const permissions: IRules = {
  AuditEvent: everyField(or(isSelf<UserContext>((e: { userId: string | null }) => e.userId), hasRoleInOrg('ADMIN', parentId('organizationId'), fromMemberships))),
  ...allowTypes('AuditEventEdge', 'AuditEventConnection'),
};
