import { randomUUID } from 'node:crypto';
import { appError, isUniqueViolation, nonBlank, parseInput, requireViewer, z, type Database, type Principal, type Role, type Viewer } from '@organoise/core';
import { and, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { memberships, sessions, users } from '../../db/schema.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { TokenIssuer } from './tokens.js';

const email = z.string().trim().toLowerCase().max(254).email({ message: 'must be an email address' });
// Length, not composition rules (NIST 800-63B); 200 bounds the hashing work an attacker can ask for.
const password = z.string().min(10, { message: 'must be at least 10 characters' }).max(200, { message: 'must be at most 200 characters' });

export const SignUpInput = z.object({ email, password, name: nonBlank(100) });
export const SignInInput = z.object({ email, password: z.string().min(1).max(200) });

export interface AccountDeps {
  db: Database;
  tokens: TokenIssuer;
  sessionTtlSeconds: number;
}

export type UserRow = typeof users.$inferSelect;

async function openSession(deps: AccountDeps, userId: string) {
  const sessionId = randomUUID();
  await deps.db.insert(sessions).values({ id: sessionId, userId, expiresAt: new Date(Date.now() + deps.sessionTtlSeconds * 1000) });
  const { token, expiresAt } = await deps.tokens.sign(userId, sessionId);
  return { accessToken: token, expiresAt, sessionId };
}

export async function signUp(deps: AccountDeps, rawInput: unknown) {
  const input = parseInput(SignUpInput, rawInput);
  const passwordHash = await hashPassword(input.password);
  const id = randomUUID();
  try {
    await deps.db.insert(users).values({ id, email: input.email, name: input.name, passwordHash });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw appError('CONFLICT', 'An account with this email already exists', { issues: [{ path: 'email', message: 'is taken' }] });
    }
    throw error;
  }
  const session = await openSession(deps, id);
  return { ...session, userId: id };
}

export async function signIn(deps: AccountDeps, rawInput: unknown) {
  const input = parseInput(SignInInput, rawInput);
  const [user] = await deps.db.select({ id: users.id, passwordHash: users.passwordHash }).from(users).where(eq(users.email, input.email));
  const ok = await verifyPassword(user?.passwordHash ?? null, input.password);
  // One answer for "no such user" and "wrong password": the response must not tell which.
  if (!user || !ok) throw appError('INVALID_CREDENTIALS', 'Email or password is wrong');
  const session = await openSession(deps, user.id);
  return { ...session, userId: user.id };
}

export async function signOut(db: Database, viewer: Viewer | null): Promise<boolean> {
  const v = requireViewer(viewer);
  await db.update(sessions).set({ revokedAt: new Date() }).where(and(eq(sessions.id, v.sessionId), isNull(sessions.revokedAt)));
  return true;
}

/** Who a live session belongs to and their roles; null when revoked, expired or unknown. */
export async function principalForSession(db: Database, sessionId: string, userId: string): Promise<Principal | null> {
  const [session] = await db
    .select({ userId: sessions.userId })
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date())));
  if (!session) return null;
  const rows = await db.select({ organizationId: memberships.organizationId, role: memberships.role }).from(memberships).where(eq(memberships.userId, userId));
  return { userId, sessionId, memberships: Object.fromEntries(rows.map((r) => [r.organizationId, r.role as Role])) };
}

export interface VisibleUser extends UserRow {
  emailVisible: boolean;
}

/**
 * Users the viewer may see, by id: themself and anyone sharing an organization with them. Email
 * is visible to the user themself and to owners/admins of a shared organization.
 */
export async function visibleUsers(db: Database, viewer: Viewer | null, ids: readonly string[]): Promise<VisibleUser[]> {
  if (!viewer || ids.length === 0) return [];
  const me = viewer.userId;
  const shared = (roles: string) =>
    sql`exists (select 1 from users.memberships m join users.memberships mv on mv.organization_id = m.organization_id
        where m.user_id = ${users.id} and mv.user_id = ${me} ${sql.raw(roles)})`;
  const rows = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      passwordHash: users.passwordHash,
      createdAt: users.createdAt,
      updatedAt: users.updatedAt,
      emailVisible: sql<boolean>`(${users.id} = ${me} or ${shared("and mv.role in ('OWNER','ADMIN')")})`,
    })
    .from(users)
    .where(and(inArray(users.id, [...ids]), sql`(${users.id} = ${me} or ${shared('')})`));
  return rows;
}
