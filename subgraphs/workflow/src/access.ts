import { isUuid, notFound, requireRole, requireViewer, type Role, type Viewer } from '@organoise/core';

/**
 * The viewer's role in an organization, read only from the gateway's token. Own keys only: an
 * id such as "constructor" arriving through `_entities` must not match Object.prototype.
 */
export function roleIn(viewer: Viewer | null, organizationId: string): Role | null {
  if (!viewer || !isUuid(organizationId) || !Object.hasOwn(viewer.memberships, organizationId)) return null;
  return viewer.memberships[organizationId] ?? null;
}

/** Like core's requireRole, but safe for ids that never went through input validation. */
export function requireMember(viewer: Viewer | null, organizationId: string, minimum: Role = 'VIEWER'): Role {
  const v = requireViewer(viewer);
  if (!roleIn(v, organizationId)) throw notFound('Organization');
  return requireRole(v, organizationId, minimum);
}

/** Organizations the viewer belongs to, for scoping every lookup by id. */
export const memberOrganizationIds = (viewer: Viewer | null): string[] =>
  viewer ? Object.keys(viewer.memberships).filter((orgId) => roleIn(viewer, orgId)) : [];
