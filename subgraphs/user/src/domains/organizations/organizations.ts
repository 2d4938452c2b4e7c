// Organizations (tenants): creating, renaming, listing the viewer's, by id and by slug. Members,
// invitations and IP allow-lists have files of their own beside this one.
import { randomUUID } from 'node:crypto';
import {
  appError,
  id,
  idempotencyKey,
  isUniqueViolation,
  nonBlank,
  notFound,
  once,
  orderBy as orderByKeys,
  paginate,
  parseInput,
  requireViewer,
  transactionWithEvents,
  z,
  type PageArgs,
  type Role,
  type SortKey,
  isApiKeyViewer,
  refuseDeniedOrg,
  requireRoleFrom,
} from '@organoise/core';
import { and, count, eq, inArray, notInArray } from 'drizzle-orm';
import { idempotencyKeys, memberships, organizations } from '../../db/schema.js';
import type { Deps } from '../../services.js';
import { audit } from '../audit/audit.js';
import { emitMembershipEvent, emitOrganizationUpdated } from './events.js';

export type OrganizationRow = typeof organizations.$inferSelect & { viewerRole: Role };

const slug = z
  .string()
  .trim()
  .min(3, { message: 'must be at least 3 characters' })
  .max(48, { message: 'must be at most 48 characters' })
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'must be lower-case letters, digits and single hyphens' });

export const CreateOrganizationInput = z.object({ name: nonBlank(100), slug, idempotencyKey: idempotencyKey() });

export const UpdateOrganizationInput = z.object({ id: id(), name: nonBlank(100) });

/** Organizations by id that the viewer belongs to, with the viewer's role (batched by the loader). */
export async function organizationsForViewer({ db, viewer }: Pick<Deps, 'db' | 'viewer'>, ids: readonly string[]): Promise<OrganizationRow[]> {
  if (!viewer || ids.length === 0) return [];
  const visible = ids.filter((orgId) => !viewer.deniedOrgs?.includes(orgId));
  if (visible.length === 0) return [];
  if (isApiKeyViewer(viewer)) {
    const own = visible.filter((orgId) => Object.hasOwn(viewer.memberships, orgId));
    if (own.length === 0) return [];
    const rows = await db.select().from(organizations).where(inArray(organizations.id, own));
    return rows.map((org) => ({ ...org, viewerRole: viewer.memberships[org.id]! }));
  }
  const rows = await db
    .select({ org: organizations, role: memberships.role })
    .from(organizations)
    .innerJoin(memberships, and(eq(memberships.organizationId, organizations.id), eq(memberships.userId, viewer.userId)))
    .where(inArray(organizations.id, [...visible]));
  return rows.map((r) => ({ ...r.org, viewerRole: r.role as Role }));
}

export async function organizationBySlug({ db, viewer }: Pick<Deps, 'db' | 'viewer'>, value: string): Promise<OrganizationRow> {
  const v = requireViewer(viewer);
  const [row] = await db
    .select({ org: organizations, role: memberships.role })
    .from(organizations)
    .innerJoin(memberships, and(eq(memberships.organizationId, organizations.id), eq(memberships.userId, v.userId)))
    .where(eq(organizations.slug, value));
  if (!row) throw notFound('Organization');
  refuseDeniedOrg(v, row.org.id);
  return { ...row.org, viewerRole: row.role as Role };
}

export function listViewerOrganizations({ db, viewer }: Pick<Deps, 'db' | 'viewer'>, args: PageArgs) {
  const v = requireViewer(viewer);
  const keys: SortKey<OrganizationRow>[] = [
    { column: organizations.name, cast: 'text', direction: 'ASC', value: (r) => r.name },
    { column: organizations.id, cast: 'uuid', direction: 'ASC', value: (r) => r.id },
  ];
  const denied = v.deniedOrgs ?? [];
  const mine = and(eq(memberships.userId, v.userId), denied.length > 0 ? notInArray(memberships.organizationId, [...denied]) : undefined);
  return paginate({
    args,
    keys,
    fetch: async (after, limit) => {
      const rows = await db
        .select({ org: organizations, role: memberships.role })
        .from(organizations)
        .innerJoin(memberships, eq(memberships.organizationId, organizations.id))
        .where(and(mine, after))
        .orderBy(...orderByKeys(keys))
        .limit(limit);
      return rows.map((r) => ({ ...r.org, viewerRole: r.role as Role }));
    },
    count: async () => (await db.select({ n: count() }).from(memberships).where(mine))[0]?.n ?? 0,
  });
}

export async function createOrganization(deps: Deps, rawInput: unknown): Promise<OrganizationRow> {
  const { db, viewer } = deps;
  const v = requireViewer(viewer);
  const { idempotencyKey: key, ...input } = parseInput(CreateOrganizationInput, rawInput);
  const orgId = randomUUID();
  try {
    return await transactionWithEvents(db, deps.bus, async (tx, emit) => {
      const result = await once(tx, idempotencyKeys, { viewer: v, key, operation: 'createOrganization', input }, async () => {
        const [org] = await tx.insert(organizations).values({ id: orgId, name: input.name, slug: input.slug }).returning();
        await tx.insert(memberships).values({ id: randomUUID(), organizationId: orgId, userId: v.userId, role: 'OWNER' });
        await audit(deps, { type: 'ORGANIZATION_CREATED', organizationId: orgId, details: { name: input.name, slug: input.slug } }, tx);
        await emitMembershipEvent(emit, 'membership.added', orgId, { userId: v.userId, role: 'OWNER', previousRole: null, actorId: v.userId });
        return { ...org!, viewerRole: 'OWNER' as Role };
      });
      if ('created' in result) return result.created;
      // A retry of an organization already created: as it is now, if the caller is still in it.
      const [org] = await organizationsForViewer({ db: tx, viewer: v }, [result.replayedId]);
      if (!org) throw notFound('Organization');
      return org;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw appError('CONFLICT', 'This slug is taken', { issues: [{ path: 'slug', message: 'is taken' }] });
    throw error;
  }
}

export async function updateOrganization(deps: Deps, rawInput: unknown): Promise<OrganizationRow> {
  const { db, viewer } = deps;
  const input = parseInput(UpdateOrganizationInput, rawInput);
  const viewerRole = await requireRoleFrom(deps.roles, viewer, input.id, 'ADMIN');
  return transactionWithEvents(db, deps.bus, async (tx, emit) => {
    const [before] = await tx.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, input.id)).for('update');
    const [org] = await tx.update(organizations).set({ name: input.name }).where(eq(organizations.id, input.id)).returning();
    if (!before || !org) throw notFound('Organization');
    await audit(deps, { type: 'ORGANIZATION_UPDATED', organizationId: input.id, details: { name: input.name } }, tx);
    // The name shows in every member's answers (and cached ones): a change is an event, in this
    // transaction; the same name again changes nothing anyone could see.
    if (before.name !== org.name) await emitOrganizationUpdated(emit, input.id, { fields: ['name'], actorId: requireViewer(viewer).userId });
    return { ...org, viewerRole };
  });
}
