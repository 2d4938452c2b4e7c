// IP allow-lists of organizations: set by admins, applied by the gateway to every credential.
import {
  appError,
  id,
  notFound,
  parseInput,
  transactionWithEvents,
  z,
  type Database,
  ipAllowed,
  allowListInput,
  requirePerson,
  requireRoleFrom,
} from '@organoise/core';
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { organizations } from '../../db/schema.js';
import type { Deps } from '../../services.js';
import { audit } from '../audit/audit.js';
import { emitOrganizationUpdated } from './events.js';
import type { OrganizationRow } from './organizations.js';

/** The same ranges in the same order (the order is what Organization.ipAllowList shows). */
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((cidr, i) => cidr === b[i]);

/** Organization IP allow-lists: every entry a CIDR (IPv4 or IPv6; a bare address is one host), stored in canonical form. */
export const SetIpAllowListInput = z.object({
  organizationId: id(),
  cidrs: allowListInput(),
});

/** The organization's allow-list; owners and admins only (it maps the organization's network). */
export async function organizationIpAllowList(deps: Deps, organizationId: string): Promise<string[]> {
  await requireRoleFrom(deps.roles, deps.viewer, organizationId, 'ADMIN');
  const [row] = await deps.db.select({ list: organizations.ipAllowList }).from(organizations).where(eq(organizations.id, organizationId));
  return row?.list ?? [];
}

/**
 * Replaces the allow-list (empty = every address). A list that would exclude the caller's own
 * current address is refused (ALLOW_LIST_LOCKOUT): the change would lock out the person making it.
 */
export async function setOrganizationIpAllowList(deps: Deps, rawInput: unknown): Promise<OrganizationRow> {
  const input = parseInput(SetIpAllowListInput, rawInput);
  requirePerson(deps.viewer);
  const viewerRole = await requireRoleFrom(deps.roles, deps.viewer, input.organizationId, 'ADMIN');
  if (!ipAllowed(input.cidrs, deps.clientIp)) {
    throw appError('ALLOW_LIST_LOCKOUT', 'This list would exclude your own current address; include it or clear the list', { clientIp: deps.clientIp });
  }
  const [org] = await transactionWithEvents(deps.db, deps.bus, async (tx, emit) => {
    const [before] = await tx.select({ list: organizations.ipAllowList }).from(organizations).where(eq(organizations.id, input.organizationId)).for('update');
    const updated = await tx.update(organizations).set({ ipAllowList: input.cidrs }).where(eq(organizations.id, input.organizationId)).returning();
    await audit(deps, { type: 'ORGANIZATION_ALLOW_LIST_CHANGED', organizationId: input.organizationId, details: { cidrs: input.cidrs.join(' ') } }, tx);
    // Which addresses reach the organization changes what its members are answered: an event, in
    // this transaction (the ranges themselves stay out of it: they map the organization's network).
    if (before && updated[0] && !sameList(before.list, updated[0].ipAllowList)) {
      await emitOrganizationUpdated(emit, input.organizationId, { fields: ['ipAllowList'], actorId: deps.viewer!.userId });
    }
    return updated;
  });
  if (!org) throw notFound('Organization');
  return { ...org, viewerRole };
}

/** The allow-lists of those of `organizationIds` that have one (for the gateway's principal lookup). */
export async function allowListsOf(db: Database, organizationIds: readonly string[]): Promise<Record<string, string[]>> {
  if (organizationIds.length === 0) return {};
  const rows = await db
    .select({ id: organizations.id, list: organizations.ipAllowList })
    .from(organizations)
    .where(and(inArray(organizations.id, [...organizationIds]), sql`cardinality(${organizations.ipAllowList}) > 0`));
  return Object.fromEntries(rows.map((r) => [r.id, r.list]));
}
