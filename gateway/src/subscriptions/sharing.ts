import { TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Viewer } from '@organoise/core';

/**
 * Fields whose value, for a given event, depends on who asks only through their memberships
 * (which organizations, with which role), never through their user id: each was checked against
 * its resolver and the data access under it (docs/protocols/subscriptions.md, section 4,
 * "Sharing"). A subscription whose every selected field is listed here is answered identically
 * for everyone with the same memberships, so the gateway runs one upstream subscription and one
 * hydration per event for all of them. Any other field (e.g. `User.email`, visible to oneself;
 * `myTasksChanged`, filtered by assignee) keeps the subscription per user.
 *
 * Adding a field: read its resolver and every query under it; it may look at
 * `viewer.memberships` (or the caller's memberships rows), not at `viewer.userId` or the session.
 */
export const ROLE_SCOPED_FIELDS: ReadonlySet<string> = new Set([
  // workflow: the org stream is filtered by roleIn(viewer, event.organizationId); a run is
  // loaded by runsForViewer (the viewer's member organizations).
  'Subscription.workflowRunsChanged',
  'Subscription.workflowRunUpdated',
  'WorkflowRunEvent.cursor',
  'WorkflowRunEvent.type',
  'WorkflowRunEvent.at',
  'WorkflowRunEvent.run',
  'WorkflowRun.id',
  'WorkflowRun.state',
  'WorkflowRun.status',
  'WorkflowRun.definitionVersion',
  'WorkflowRun.createdAt',
  'WorkflowRun.updatedAt',
  'WorkflowRun.finishedAt',
  'WorkflowRun.cancelReason',
  'WorkflowRun.startedBy',
  'WorkflowRun.cancelledBy',
  'WorkflowRun.organization',
  // user: a user is visible to members of an organization they belong to (visibleUsers); an
  // organization to its members (organizationsForViewer). Both read the caller's membership rows.
  'User.id',
  'User.name',
  'Organization.id',
  'Organization.name',
  'Organization.slug',
]);

/** True when every field the document selects (fragments included) is in ROLE_SCOPED_FIELDS. */
export function isRoleScoped(schema: GraphQLSchema, document: DocumentNode, fields: ReadonlySet<string> = ROLE_SCOPED_FIELDS): boolean {
  const typeInfo = new TypeInfo(schema);
  let scoped = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (node.name.value === '__typename') return;
        const parent = typeInfo.getParentType();
        if (!parent || !fields.has(`${parent.name}.${node.name.value}`)) scoped = false;
      },
    }),
  );
  return scoped;
}

/** The memberships, in a stable order: what a role-scoped answer depends on. */
// Organizations withheld by an IP allow-list (deniedOrgs) answer IP_NOT_ALLOWED rather than NOT_FOUND: part of the scope too.
export const rolesScope = (viewer: Viewer): string =>
  `roles:${JSON.stringify(Object.entries(viewer.memberships).sort(([a], [b]) => a.localeCompare(b)))}${viewer.deniedOrgs?.length ? `:denied:${[...viewer.deniedOrgs].sort().join(',')}` : ''}`;

/**
 * The authorization scope of a subscription: subscriptions share an upstream and a hydration
 * only when they would be answered identically. Per user with the same roles by default (fields
 * such as email depend on who asks); per set of memberships when the document is role-scoped.
 */
export function scopeOf(viewer: Viewer | null, roleScoped: boolean): string {
  if (!viewer) return 'anonymous';
  if (roleScoped && Object.keys(viewer.memberships).length > 0) return rolesScope(viewer);
  return `user:${viewer.userId}:${rolesScope(viewer)}`;
}
