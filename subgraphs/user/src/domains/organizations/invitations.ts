// Invitations: mailed tokens (stored hashed) that let an address join with a role, for 7 days.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  appError,
  forbidden,
  id,
  notFound,
  orderBy as orderByKeys,
  paginate,
  parseInput,
  requireViewer,
  roleAtLeast,
  transactionWithEvents,
  z,
  type PageArgs,
  type SortKey,
  requireRoleFrom,
} from '@organoise/core';
import { and, count, eq, sql } from 'drizzle-orm';
import { invitations, memberships, users } from '../../db/schema.js';
import type { Deps } from '../../services.js';
import { audit } from '../audit/audit.js';
import { emitMembershipEvent } from './events.js';
import { type MembershipRow, roleInput } from './memberships.js';

export type InvitationRow = typeof invitations.$inferSelect;

export const InviteMemberInput = z.object({
  organizationId: id(),
  email: z.string().trim().toLowerCase().max(254).email({ message: 'must be an email address' }),
  role: roleInput.default('MEMBER'),
});

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

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
  await requireRoleFrom(deps.roles, viewer, organizationId, 'ADMIN');
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
  const viewerRole = await requireRoleFrom(deps.roles, viewer, input.organizationId, 'ADMIN');
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
    await requireRoleFrom(deps.roles, viewer, invitation.organizationId, 'ADMIN');
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
