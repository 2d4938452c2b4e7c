// Memberships: who belongs to an organization with which role, read from this subgraph's own
// tables (a change counts at once); listing, changing roles and removing members (the last owner stays).
import {
  appError,
  forbidden,
  id,
  notFound,
  orderBy as orderByKeys,
  paginate,
  parseInput,
  requireViewer,
  ROLES,
  roleAtLeast,
  transactionWithEvents,
  z,
  type Database,
  type PageArgs,
  type Role,
  type SortKey,
  type RoleSource,
  isApiKeyViewer,
  requireRoleFrom,
  roleIn,
} from '@organoise/core';
import { and, count, eq, ilike, or, sql } from 'drizzle-orm';
import { memberships, organizations, users } from '../../db/schema.js';
import type { Deps } from '../../services.js';
import { audit } from '../audit/audit.js';
import { emitMembershipEvent } from './events.js';

export type MembershipRow = typeof memberships.$inferSelect;

/** A role as an input field. */
export const roleInput = z.enum(ROLES);

export const ChangeMemberRoleInput = z.object({ organizationId: id(), userId: id(), role: roleInput });

export const RemoveMemberInput = z.object({ organizationId: id(), userId: id() });

/** A user's role in an organization, read from this subgraph's tables (not a token): the memberships are its own. */
export async function membershipRole(db: Database, userId: string, organizationId: string): Promise<Role | null> {
  const [row] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)));
  return (row?.role as Role | undefined) ?? null;
}

/**
 * This subgraph's role source (core's RoleSource, as UserServices.roles): a person's role from
 * the database, so a change made a moment ago counts; an API key has no membership row, and its
 * one organization and role come from the gateway's lookup, in the token.
 */
export const membershipRoles =
  (db: Database): RoleSource =>
  (viewer, organizationId) =>
    isApiKeyViewer(viewer) ? roleIn(viewer, organizationId) : membershipRole(db, viewer.userId, organizationId);

export type MemberOrder = { field: 'NAME' | 'JOINED_AT'; direction: 'ASC' | 'DESC' };

export type MemberRow = MembershipRow & { userName: string };

export async function listMembers(
  { db, viewer, roles }: Pick<Deps, 'db' | 'viewer' | 'roles'>,
  organizationId: string,
  args: PageArgs & { filter?: { role?: Role | null; search?: string | null } | null; orderBy?: MemberOrder | null },
) {
  const viewerRole = await requireRoleFrom(roles, viewer, organizationId, 'VIEWER');
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

export async function listViewerMemberships({ db, viewer }: Pick<Deps, 'db' | 'viewer'>, userId: string, args: PageArgs) {
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

async function ownerCount(tx: Database, organizationId: string) {
  const [row] = await tx
    .select({ n: count() })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.role, 'OWNER')));
  return row?.n ?? 0;
}

/**
 * The member a role change or removal is about. It locks the organization row first, so two
 * concurrent demotions cannot both pass the last-owner check; `dropsOwnerRole` says whether the
 * change takes an owner's role away (the last owner's is refused with LAST_OWNER).
 * `authorize` runs before that check, so a caller without the right is told FORBIDDEN.
 */
async function lockedMember(
  tx: Database,
  organizationId: string,
  userId: string,
  change: { authorize: (target: MembershipRow) => void; dropsOwnerRole: boolean },
): Promise<MembershipRow> {
  await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, organizationId)).for('update');
  const [target] = await tx
    .select()
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)));
  if (!target) throw notFound('Member');
  change.authorize(target);
  if (target.role === 'OWNER' && change.dropsOwnerRole && (await ownerCount(tx, organizationId)) <= 1) {
    throw appError('LAST_OWNER', 'The organization needs at least one owner');
  }
  return target;
}

export async function changeMemberRole(deps: Deps, rawInput: unknown): Promise<MembershipRow> {
  const { db, viewer } = deps;
  const input = parseInput(ChangeMemberRoleInput, rawInput);
  const viewerRole = await requireRoleFrom(deps.roles, viewer, input.organizationId, 'ADMIN');
  return transactionWithEvents(db, deps.bus, async (tx, emit) => {
    const target = await lockedMember(tx, input.organizationId, input.userId, {
      authorize: (t) => {
        if (viewerRole !== 'OWNER' && (roleAtLeast(t.role, 'ADMIN') || roleAtLeast(input.role, 'ADMIN'))) {
          throw forbidden('Only an owner may change owners and admins or grant those roles');
        }
      },
      dropsOwnerRole: input.role !== 'OWNER',
    });
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
  const viewerRole = await requireRoleFrom(deps.roles, viewer, input.organizationId, self ? 'VIEWER' : 'ADMIN');
  await transactionWithEvents(db, deps.bus, async (tx, emit) => {
    const target = await lockedMember(tx, input.organizationId, input.userId, {
      authorize: (t) => {
        if (!self && viewerRole !== 'OWNER' && roleAtLeast(t.role, 'ADMIN')) throw forbidden('Only an owner may remove owners and admins');
      },
      dropsOwnerRole: true,
    });
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
