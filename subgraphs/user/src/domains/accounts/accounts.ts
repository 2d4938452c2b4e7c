import { randomUUID } from 'node:crypto';
import { appError, isUniqueViolation, nonBlank, parseInput, requireViewer, z, type Database, type Viewer } from '@organoise/core';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { users } from '../../db/schema.js';
import type { Deps } from '../../services.js';
import { audit } from '../audit/audit.js';
import { issueSession, openSession, revokeUserSessions, type IssuedSession } from './sessions.js';
import { assertNotLocked, clearAccountFailures, recordFailure, throttleKeys } from './throttle.js';
import { checkSecondFactor, requireRecentSecondFactor, twoFactorEnabled } from './two-factor.js';

const email = z.string().trim().toLowerCase().max(254).email({ message: 'must be an email address' });
// Length, not composition rules (NIST 800-63B); 200 bounds the hashing work an attacker can ask for.
export const newPassword = z
  .string()
  .min(10, { message: 'must be at least 10 characters' })
  .max(200, { message: 'must be at most 200 characters' });
const anyPassword = z.string().min(1).max(200);

export const SignUpInput = z.object({ email, password: newPassword, name: nonBlank(100) });
export const SignInInput = z.object({
  email,
  password: anyPassword,
  totpCode: z.string().trim().max(10).nullish(),
  recoveryCode: z.string().trim().max(40).nullish(),
});
export const ChangePasswordInput = z.object({ currentPassword: anyPassword, newPassword });

export type UserRow = typeof users.$inferSelect;

export async function signUp(deps: Deps, rawInput: unknown): Promise<IssuedSession> {
  const input = parseInput(SignUpInput, rawInput);
  const passwordHash = await deps.hasher.hash(input.password);
  const id = randomUUID();
  const now = deps.clock.now();
  try {
    const opened = await deps.db.transaction(async (tx) => {
      await tx.insert(users).values({ id, email: input.email, name: input.name, passwordHash, createdAt: now, updatedAt: now });
      const session = await openSession(deps, id, tx);
      await audit(deps, { type: 'SIGN_UP', actorId: id, userId: id, details: { sessionId: session.sessionId } }, tx as unknown as Database);
      return session;
    });
    return await issueSession(deps, opened);
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw appError('CONFLICT', 'An account with this email already exists', { issues: [{ path: 'email', message: 'is taken' }] });
    }
    throw error;
  }
}

/**
 * Checks a password for an email under the brute-force rules: refused while the email or the
 * client's address is locked, each failure counted against both. An unknown email goes through
 * the same steps (a decoy hash, the same counters, the same answers) as a known one.
 */
async function checkPassword(deps: Deps, emailValue: string, password: string, during: 'sign_in' | 'change_password'): Promise<{ id: string } | null> {
  const keys = throttleKeys(emailValue, deps.clientIp);
  await assertNotLocked(deps, keys);
  const [user] = await deps.db.select({ id: users.id, passwordHash: users.passwordHash }).from(users).where(eq(users.email, emailValue));
  const ok = await deps.hasher.verify(user?.passwordHash ?? null, password);
  // The count is cleared by the caller once every factor has passed: clearing it on a right
  // password alone would let someone who has the password guess second-factor codes forever.
  if (user && ok) return { id: user.id };
  const locked = await recordFailure(deps, keys);
  const userId = user?.id ?? null;
  await audit(deps, { type: 'SIGN_IN_FAILED', actorId: deps.viewer?.userId ?? null, userId, details: { during, reason: user ? 'wrong_password' : 'unknown_account' } });
  for (const key of locked) {
    const scope = key.startsWith('ip:') ? 'address' : 'account';
    deps.log.warn('password checks locked after repeated failures', { scope });
    await audit(deps, { type: 'LOCKOUT', actorId: null, userId: scope === 'account' ? userId : null, details: { scope, seconds: deps.settings.throttle.lockoutSeconds } });
  }
  return null;
}

export async function signIn(deps: Deps, rawInput: unknown): Promise<IssuedSession> {
  const input = parseInput(SignInInput, rawInput);
  const user = await checkPassword(deps, input.email, input.password, 'sign_in');
  // One answer for "no such user" and "wrong password": the response must not tell which.
  if (!user) throw appError('INVALID_CREDENTIALS', 'Email or password is wrong');
  let aal: 1 | 2 = 1;
  if (await twoFactorEnabled(deps.db, user.id)) {
    if (!input.totpCode && !input.recoveryCode) {
      throw appError('SECOND_FACTOR_REQUIRED', 'Enter the code from your authenticator app (totpCode) or a recovery code');
    }
    const factor = input.totpCode ? { totpCode: input.totpCode } : { recoveryCode: input.recoveryCode };
    if (!(await checkSecondFactor(deps, { id: user.id, email: input.email }, factor))) {
      throw appError('INVALID_CREDENTIALS', 'The code is wrong or was already used');
    }
    aal = 2;
  }
  await clearAccountFailures(deps, input.email);
  const session = await openSession(deps, user.id, deps.db, aal);
  await audit(deps, { type: 'SIGN_IN', actorId: user.id, userId: user.id, details: { sessionId: session.sessionId } });
  return issueSession(deps, session);
}

/** Needs the current password (throttled like sign-in); ends every other session of the user. */
export async function changePassword(deps: Deps, rawInput: unknown): Promise<boolean> {
  const v = requireViewer(deps.viewer);
  const input = parseInput(ChangePasswordInput, rawInput);
  const [me] = await deps.db.select({ email: users.email }).from(users).where(eq(users.id, v.userId));
  if (!me) throw appError('UNAUTHENTICATED', 'Sign in to do this');
  await requireRecentSecondFactor(deps, v.userId, v.sessionId);
  const checked = await checkPassword(deps, me.email, input.currentPassword, 'change_password');
  if (!checked || checked.id !== v.userId) {
    throw appError('INVALID_CREDENTIALS', 'The current password is wrong', { issues: [{ path: 'currentPassword', message: 'is wrong' }] });
  }
  await clearAccountFailures(deps, me.email);
  const passwordHash = await deps.hasher.hash(input.newPassword);
  await deps.db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, updatedAt: deps.clock.now() }).where(eq(users.id, v.userId));
    const ended = await revokeUserSessions(deps, tx, v.userId, 'password_changed', v.sessionId);
    await audit(deps, { type: 'PASSWORD_CHANGED', userId: v.userId, details: { otherSessionsEnded: ended } }, tx as unknown as Database);
  });
  return true;
}

export interface VisibleUser extends Omit<UserRow, 'passwordHash'> {
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
      emailVerifiedAt: users.emailVerifiedAt,
      createdAt: users.createdAt,
      updatedAt: users.updatedAt,
      emailVisible: sql<boolean>`(${users.id} = ${me} or ${shared("and mv.role in ('OWNER','ADMIN')")})`,
    })
    .from(users)
    .where(and(inArray(users.id, [...ids]), sql`(${users.id} = ${me} or ${shared('')})`));
  return rows;
}
