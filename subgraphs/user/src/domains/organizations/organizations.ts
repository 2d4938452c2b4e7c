import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  appError,
  forbidden,
  id,
  idempotencyKey,
  isUniqueViolation,
  nonBlank,
  notFound,
  once,
  paginate,
  parseInput,
  requireViewer,
  ROLES,
  roleAtLeast,
  orderBy as orderByKeys,
  transactionWithEvents,
  z,
  type Database,
  type PageArgs,
  type Role,
  type SortKey,
  type Viewer,
  ipAllowed,
  isApiKeyViewer,
  allowListInput,
  refuseDeniedOrg,
  requirePerson,
  requireRole,
} from '@organoise/core';
import { and, count, eq, ilike, inArray, notInArray, or, sql } from 'drizzle-orm';
import { idempotencyKeys, invitations, memberships, organizations, users } from '../../db/schema.js';
import type { Deps } from '../../services.js';
import { audit } from '../audit/audit.js';
import { emitMembershipEvent } from './events.js';

export type OrganizationRow = typeof organizations.$inferSelect & { viewerRole: Role };
export type MembershipRow = typeof memberships.$inferSelect;
export type InvitationRow = typeof invitations.$inferSelect;

const role = z.enum(ROLES);
const slug = z
  .string()
  .trim()
  .min(3, { message: 'must be at least 3 characters' })
  .max(48, { message: 'must be at most 48 characters' })
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'must be lower-case letters, digits and single hyphens' });

export const CreateOrganizationInput = z.object({ name: nonBlank(100), slug, idempotencyKey: idempotencyKey() });
export const UpdateOrganizationInput = z.object({ id: id(), name: nonBlank(100) });
export const InviteMemberInput = z.object({
  organizationId: id(),
  email: z.string().trim().toLowerCase().max(254).email({ message: 'must be an email address' }),
  role: role.default('MEMBER'),
});
export const ChangeMemberRoleInput = z.object({ organizationId: id(), userId: id(), role });
export const RemoveMemberInput = z.object({ organizationId: id(), userId: id() });

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The viewer's role read from the database (not the token), so a change made a moment ago counts. */
export async function roleOf(db: Database, userId: string, organizationId: string): Promise<Role | null> {
  const [row] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)));
  return (row?.role as Role | undefined) ?? null;
}

/**
 * The viewer's role for authorization rules: IP_NOT_ALLOWED (thrown) for an organization their
 * address is refused by; an API key's role from the gateway's lookup; a person's from the database.
 */
export async function viewerRoleIn(db: Database, viewer: Viewer, organizationId: string): Promise<Role | null> {
  refuseDeniedOrg(viewer, organizationId);
  if (isApiKeyViewer(viewer)) return Object.hasOwn(viewer.memberships, organizationId) ? viewer.memberships[organizationId]! : null;
  return roleOf(db, viewer.userId, organizationId);
}

/** Non-members get NOT_FOUND (an organization's existence is not theirs to learn); members below `minimum` FORBIDDEN. */
export async function requireRoleIn(db: Database, viewer: Viewer | null, organizationId: string, minimum: Role): Promise<Role> {
  const v = requireViewer(viewer);
  // An organization withheld by its IP allow-list answers IP_NOT_ALLOWED, not NOT_FOUND.
  refuseDeniedOrg(v, organizationId);
  // An API key has no membership row: its one organization and role come from the gateway's lookup.
  if (isApiKeyViewer(v)) return requireRole(v, organizationId, minimum);
  const current = await roleOf(db, v.userId, organizationId);
  if (!current) throw notFound('Organization');
  if (!roleAtLeast(current, minimum)) throw forbidden(`This needs the ${minimum} role or higher`);
  return current;
}

/** Organizations by id that the viewer belongs to, with the viewer's role (batched by the loader). */
export async function organizationsForViewer(db: Database, viewer: Viewer | null, ids: readonly string[]): Promise<OrganizationRow[]> {
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

export async function organizationBySlug(db: Database, viewer: Viewer | null, value: string): Promise<OrganizationRow> {
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

export function listViewerOrganizations(db: Database, viewer: Viewer | null, args: PageArgs) {
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
      const [org] = await organizationsForViewer(tx, v, [result.replayedId]);
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
  const viewerRole = await requireRoleIn(db, viewer, input.id, 'ADMIN');
  const [org] = await db.update(organizations).set({ name: input.name }).where(eq(organizations.id, input.id)).returning();
  await audit(deps, { type: 'ORGANIZATION_UPDATED', organizationId: input.id, details: { name: input.name } });
  return { ...org!, viewerRole };
}

export type MemberOrder = { field: 'NAME' | 'JOINED_AT'; direction: 'ASC' | 'DESC' };
export type MemberRow = MembershipRow & { userName: string };

export async function listMembers(
  db: Database,
  viewer: Viewer | null,
  organizationId: string,
  args: PageArgs & { filter?: { role?: Role | null; search?: string | null } | null; orderBy?: MemberOrder | null },
) {
  const viewerRole = await requireRoleIn(db, viewer, organizationId, 'VIEWER');
  const order = args.orderBy ?? { field: 'JOINED_AT', direction: 'ASC' };
  const keys: SortKey<MemberRow>[] = [
    order.field === 'NAME'
      ? { column: users.name, cast: 'text', direction: order.direction, value: (r) => r.userName }
      : { column: memberships.createdAt, cast: 'timestamptz', direction: order.direction, value: (r) => r.createdAt },
    { column: memberships.id, cast: 'uuid', direction: order.direction, value: (r) => r.id },
  ];
  const search = args.filter?.search?.trim();
  if (search && search.length > 100) throw appError('BAD_USER_INPUT', 'filter.search must be at most 100 characters', { issues: [{ path: 'filter.search', message: 'too long' }] });
  const pattern = search ? `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
  const where = and(
    eq(memberships.organizationId, organizationId),
    args.filter?.role ? eq(memberships.role, args.filter.role) : undefined,
    pattern
      ? roleAtLeast(viewerRole, 'ADMIN')
        ? or(ilike(users.name, pattern), ilike(users.email, pattern))
        : ilike(users.name, pattern)
      : undefined,
  );
  return paginate({
    args,
    keys,
    fetch: async (after, limit) => {
      const rows = await db
        .select({ m: memberships, userName: users.name })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(where, after))
        .orderBy(...orderByKeys(keys))
        .limit(limit);
      return rows.map((r) => ({ ...r.m, userName: r.userName }));
    },
    count: async () =>
      (await db.select({ n: count() }).from(memberships).innerJoin(users, eq(users.id, memberships.userId)).where(where))[0]?.n ?? 0,
  });
}

export async function listViewerMemberships(db: Database, viewer: Viewer | null, userId: string, args: PageArgs) {
  const keys: SortKey<MembershipRow>[] = [
    { column: memberships.createdAt, cast: 'timestamptz', direction: 'ASC', value: (r) => r.createdAt },
    { column: memberships.id, cast: 'uuid', direction: 'ASC', value: (r) => r.id },
  ];
  // Only the user themself sees the list of their organizations.
  const where = and(eq(memberships.userId, userId), viewer?.userId === userId ? undefined : sql`false`);
  return paginate({
    args,
    keys,
    fetch: (after, limit) => db.select().from(memberships).where(and(where, after)).orderBy(...orderByKeys(keys)).limit(limit),
    count: async () => (await db.select({ n: count() }).from(memberships).where(where))[0]?.n ?? 0,
  });
}

export function invitationStatus(row: InvitationRow, now: Date): 'PENDING' | 'ACCEPTED' | 'REVOKED' | 'EXPIRED' {
  if (row.status === 'PENDING' && row.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  return row.status;
}

export async function listInvitations(
  deps: Deps,
  organizationId: string,
  args: PageArgs & { status?: 'PENDING' | 'ACCEPTED' | 'REVOKED' | 'EXPIRED' | null },
) {
  const { db, viewer } = deps;
  await requireRoleIn(db, viewer, organizationId, 'ADMIN');
  const keys: SortKey<InvitationRow>[] = [
    { column: invitations.createdAt, cast: 'timestamptz', direction: 'DESC', value: (r) => r.createdAt },
    { column: invitations.id, cast: 'uuid', direction: 'DESC', value: (r) => r.id },
  ];
  // As ISO text: postgres.js would send a Date inside raw SQL as Date#toString(), which Postgres cannot parse.
  const now = deps.clock.now().toISOString();
  const status = args.status;
  const where = and(
    eq(invitations.organizationId, organizationId),
    status === 'EXPIRED'
      ? and(eq(invitations.status, 'PENDING'), sql`${invitations.expiresAt} <= ${now}::timestamptz`)
      : status === 'PENDING'
        ? and(eq(invitations.status, 'PENDING'), sql`${invitations.expiresAt} > ${now}::timestamptz`)
        : status
          ? eq(invitations.status, status)
          : undefined,
  );
  return paginate({
    args,
    keys,
    fetch: (after, limit) => db.select().from(invitations).where(and(where, after)).orderBy(...orderByKeys(keys)).limit(limit),
    count: async () => (await db.select({ n: count() }).from(invitations).where(where))[0]?.n ?? 0,
  });
}

export async function inviteMember(deps: Deps, rawInput: unknown) {
  const { db, viewer } = deps;
  const input = parseInput(InviteMemberInput, rawInput);
  const viewerRole = await requireRoleIn(db, viewer, input.organizationId, 'ADMIN');
  if (roleAtLeast(input.role, 'ADMIN') && viewerRole !== 'OWNER') throw forbidden('Only an owner may invite owners and admins');
  const [existing] = await db
    .select({ id: memberships.id })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.organizationId, input.organizationId), eq(users.email, input.email)));
  if (existing) throw appError('CONFLICT', 'This person is already a member', { issues: [{ path: 'email', message: 'is already a member' }] });
  const token = randomBytes(32).toString('base64url');
  const [invitation] = await db
    .insert(invitations)
    .values({
      id: randomUUID(),
      organizationId: input.organizationId,
      email: input.email,
      role: input.role,
      tokenHash: hashToken(token),
      invitedBy: viewer!.userId,
      status: 'PENDING',
      createdAt: deps.clock.now(),
      expiresAt: new Date(deps.clock.now().getTime() + INVITATION_TTL_MS),
    })
    .returning();
  await audit(deps, { type: 'INVITATION_CREATED', organizationId: input.organizationId, details: { invitationId: invitation!.id, email: input.email, role: input.role } });
  return { invitation: invitation!, token };
}

export async function revokeInvitation(deps: Deps, invitationId: string): Promise<InvitationRow> {
  const { db, viewer } = deps;
  const invId = parseInput(id(), invitationId);
  const [invitation] = await db.select().from(invitations).where(eq(invitations.id, invId));
  if (!invitation) throw notFound('Invitation');
  try {
    await requireRoleIn(db, viewer, invitation.organizationId, 'ADMIN');
  } catch (error) {
    // A non-member learns nothing about another organization's invitations.
    if ((error as { extensions?: { code?: string } }).extensions?.code === 'NOT_FOUND') throw notFound('Invitation');
    throw error;
  }
  if (invitationStatus(invitation, deps.clock.now()) !== 'PENDING') throw appError('INVITATION_INVALID', 'Only a pending invitation can be revoked');
  const [row] = await db.update(invitations).set({ status: 'REVOKED' }).where(eq(invitations.id, invId)).returning();
  await audit(deps, { type: 'INVITATION_REVOKED', organizationId: invitation.organizationId, details: { invitationId: invId, email: invitation.email, role: invitation.role } });
  return row!;
}

export async function acceptInvitation(deps: Deps, token: string): Promise<MembershipRow> {
  const { db, viewer } = deps;
  const v = requireViewer(viewer);
  const tokenValue = parseInput(z.string().min(10).max(200), token);
  return transactionWithEvents(db, deps.bus, async (tx, emit) => {
    const [invitation] = await tx.select().from(invitations).where(eq(invitations.tokenHash, hashToken(tokenValue))).for('update');
    const [me] = await tx.select({ email: users.email }).from(users).where(eq(users.id, v.userId));
    if (!invitation || invitationStatus(invitation, deps.clock.now()) !== 'PENDING' || !me || me.email !== invitation.email) {
      throw appError('INVITATION_INVALID', 'This invitation cannot be accepted');
    }
    await tx.update(invitations).set({ status: 'ACCEPTED', acceptedAt: deps.clock.now() }).where(eq(invitations.id, invitation.id));
    const [membership] = await tx
      .insert(memberships)
      .values({ id: randomUUID(), organizationId: invitation.organizationId, userId: v.userId, role: invitation.role })
      .onConflictDoNothing()
      .returning();
    if (!membership) throw appError('CONFLICT', 'You are already a member of this organization');
    await audit(
      deps,
      { type: 'INVITATION_ACCEPTED', userId: v.userId, organizationId: invitation.organizationId, details: { invitationId: invitation.id, role: invitation.role } },
      tx,
    );
    await emitMembershipEvent(emit, 'membership.added', invitation.organizationId, { userId: v.userId, role: membership.role, previousRole: null, actorId: v.userId });
    return membership;
  });
}

/**
 * Role changes and removals lock the organization row first, so two concurrent demotions cannot
 * both pass the last-owner check.
 */
async function lockOrganization(tx: Database, organizationId: string) {
  await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, organizationId)).for('update');
}

async function ownerCount(tx: Database, organizationId: string) {
  const [row] = await tx
    .select({ n: count() })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.role, 'OWNER')));
  return row?.n ?? 0;
}

export async function changeMemberRole(deps: Deps, rawInput: unknown): Promise<MembershipRow> {
  const { db, viewer } = deps;
  const input = parseInput(ChangeMemberRoleInput, rawInput);
  const viewerRole = await requireRoleIn(db, viewer, input.organizationId, 'ADMIN');
  return transactionWithEvents(db, deps.bus, async (tx, emit) => {
    await lockOrganization(tx, input.organizationId);
    const [target] = await tx
      .select()
      .from(memberships)
      .where(and(eq(memberships.organizationId, input.organizationId), eq(memberships.userId, input.userId)));
    if (!target) throw notFound('Member');
    if (viewerRole !== 'OWNER' && (roleAtLeast(target.role, 'ADMIN') || roleAtLeast(input.role, 'ADMIN'))) {
      throw forbidden('Only an owner may change owners and admins or grant those roles');
    }
    if (target.role === 'OWNER' && input.role !== 'OWNER' && (await ownerCount(tx, input.organizationId)) <= 1) {
      throw appError('LAST_OWNER', 'The organization needs at least one owner');
    }
    const [row] = await tx.update(memberships).set({ role: input.role }).where(eq(memberships.id, target.id)).returning();
    await audit(
      deps,
      { type: 'ROLE_CHANGED', userId: input.userId, organizationId: input.organizationId, details: { from: target.role, to: input.role } },
      tx,
    );
    // Setting the role a member already has changes nothing a subscriber could see.
    if (target.role !== input.role) {
      await emitMembershipEvent(emit, 'membership.role_changed', input.organizationId, { userId: input.userId, role: input.role, previousRole: target.role, actorId: viewer!.userId });
    }
    return row!;
  });
}

export async function removeMember(deps: Deps, rawInput: unknown) {
  const { db, viewer } = deps;
  const input = parseInput(RemoveMemberInput, rawInput);
  const v = requireViewer(viewer);
  const self = input.userId === v.userId;
  const viewerRole = await requireRoleIn(db, viewer, input.organizationId, self ? 'VIEWER' : 'ADMIN');
  await transactionWithEvents(db, deps.bus, async (tx, emit) => {
    await lockOrganization(tx, input.organizationId);
    const [target] = await tx
      .select()
      .from(memberships)
      .where(and(eq(memberships.organizationId, input.organizationId), eq(memberships.userId, input.userId)));
    if (!target) throw notFound('Member');
    if (!self && viewerRole !== 'OWNER' && roleAtLeast(target.role, 'ADMIN')) throw forbidden('Only an owner may remove owners and admins');
    if (target.role === 'OWNER' && (await ownerCount(tx, input.organizationId)) <= 1) {
      throw appError('LAST_OWNER', 'The organization needs at least one owner');
    }
    await tx.delete(memberships).where(eq(memberships.id, target.id));
    await audit(
      deps,
      { type: 'MEMBER_REMOVED', userId: input.userId, organizationId: input.organizationId, details: { role: target.role, left: self } },
      tx,
    );
    await emitMembershipEvent(emit, 'membership.removed', input.organizationId, { userId: input.userId, role: null, previousRole: target.role, actorId: v.userId });
  });
  return { removedUserId: input.userId, organizationId: input.organizationId };
}

/** Organization IP allow-lists: every entry a CIDR (IPv4 or IPv6; a bare address is one host), stored in canonical form. */
export const SetIpAllowListInput = z.object({
  organizationId: id(),
  cidrs: allowListInput(),
});

/** The organization's allow-list; owners and admins only (it maps the organization's network). */
export async function organizationIpAllowList(deps: Deps, organizationId: string): Promise<string[]> {
  await requireRoleIn(deps.db, deps.viewer, organizationId, 'ADMIN');
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
  const viewerRole = await requireRoleIn(deps.db, deps.viewer, input.organizationId, 'ADMIN');
  if (!ipAllowed(input.cidrs, deps.clientIp)) {
    throw appError('ALLOW_LIST_LOCKOUT', 'This list would exclude your own current address; include it or clear the list', { clientIp: deps.clientIp });
  }
  const [org] = await deps.db.transaction(async (tx) => {
    const updated = await tx.update(organizations).set({ ipAllowList: input.cidrs }).where(eq(organizations.id, input.organizationId)).returning();
    await audit(deps, { type: 'ORGANIZATION_ALLOW_LIST_CHANGED', organizationId: input.organizationId, details: { cidrs: input.cidrs.join(' ') } }, tx);
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
