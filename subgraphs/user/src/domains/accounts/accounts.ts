import { appError, parseInput, requireViewer, transactionWithEvents, z, type Database } from '@organoise/core';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { users } from '../../db/schema.js';
import type { Deps } from '../../services.js';
import { audit } from '../audit/audit.js';
import { issueSession, openSession, revokeUserSessions, type IssuedSession } from './sessions.js';
import { knownDevice, rememberDevice, type KnownDevice } from './devices.js';
import { assertNotLocked, auditLockouts, clearFailures, deviceKey, factorKey, lockedKeys, passwordKey, recordFailure, retryAfterOf, scopeOf, throttleKeys, tooManyAttempts, withIp } from './throttle.js';
import { checkSecondFactor, twoFactorEnabled } from './two-factor.js';

export const email = z.string().trim().toLowerCase().max(254).email({ message: 'must be an email address' });
// Length, not composition rules (NIST 800-63B); 200 bounds the hashing work an attacker can ask for.
export const newPassword = z
  .string()
  .min(10, { message: 'must be at least 10 characters' })
  .max(200, { message: 'must be at most 200 characters' });
export const anyPassword = z.string().min(1).max(200);

export const SignInInput = z.object({
  email,
  password: anyPassword,
  totpCode: z.string().trim().max(10).nullish(),
  recoveryCode: z.string().trim().max(40).nullish(),
  /** The token a previous sign-in on this device returned: its own throttle, untouched by strangers. */
  deviceToken: z.string().max(200).nullish(),
});
export const ChangePasswordInput = z.object({ currentPassword: anyPassword, newPassword });

export type UserRow = typeof users.$inferSelect;

/** Counts a failed check against the keys and records it (and any lockout it started). */
async function failed(deps: Deps, keys: string[], userId: string | null, details: Record<string, string>): Promise<void> {
  const started = await recordFailure(deps, keys);
  await audit(deps, { type: 'SIGN_IN_FAILED', actorId: deps.viewer?.userId ?? null, userId, details });
  for (const { key } of started) deps.log.warn('credential checks throttled after repeated failures', { scope: scopeOf(key) });
  await auditLockouts(deps, started, userId);
}

interface PasswordChecked {
  id: string;
  /** The known device the request came from (its own throttle key), if any. */
  device: KnownDevice | null;
  keys: string[];
  /** The account was waiting: only someone proving a second factor as well may get in. */
  throttled: boolean;
  retryAfterSeconds: number;
}

/**
 * Checks the password for an email under the throttling rules (docs/decisions/0007): a known
 * device of the account counts against its own key only; anyone else against the email and the
 * address. While the email waits (strangers can make it), a request bringing a second factor is
 * still checked, and gets in only by proving both; every other answer is TOO_MANY_ATTEMPTS.
 * An unknown email goes through the same steps (a decoy hash, the same keys and answers).
 */
async function checkSignInPassword(deps: Deps, input: z.output<typeof SignInInput>): Promise<PasswordChecked | null> {
  const device = await knownDevice(deps, input.deviceToken);
  const [user] = await deps.db.select({ id: users.id, passwordHash: users.passwordHash }).from(users).where(eq(users.email, input.email));
  const trusted = device && user && device.userId === user.id ? device : null;
  const keys = trusted ? [deviceKey(trusted.id)] : throttleKeys(input.email, deps.clientIp);
  const locked = await lockedKeys(deps, keys);
  const bringsFactor = Boolean(input.totpCode || input.recoveryCode);
  if (locked.size > 0 && !(bringsFactor && [...locked.keys()].every((k) => k.startsWith('account:')))) throw tooManyAttempts(retryAfterOf(locked));
  const ok = await deps.hasher.verify(user?.passwordHash ?? null, input.password);
  // The counts are cleared by the caller once every factor has passed: clearing them on a right
  // password alone would let someone who has the password guess second-factor codes forever.
  if (user && ok) return { id: user.id, device: trusted, keys, throttled: locked.size > 0, retryAfterSeconds: locked.size > 0 ? retryAfterOf(locked) : 0 };
  await failed(deps, keys, user?.id ?? null, { during: 'sign_in', reason: user ? 'wrong_password' : 'unknown_account' });
  if (locked.size > 0) throw tooManyAttempts(retryAfterOf(locked));
  return null;
}

export async function signIn(deps: Deps, rawInput: unknown): Promise<IssuedSession> {
  const input = parseInput(SignInInput, rawInput);
  const user = await checkSignInPassword(deps, input);
  // One answer for "no such user" and "wrong password": the response must not tell which.
  if (!user) throw appError('INVALID_CREDENTIALS', 'Email or password is wrong');
  const refused = (otherwise: () => Error) => (user.throttled ? tooManyAttempts(user.retryAfterSeconds) : otherwise());
  let aal: 1 | 2 = 1;
  if (await twoFactorEnabled(deps.db, user.id)) {
    if (!input.totpCode && !input.recoveryCode) {
      throw appError('SECOND_FACTOR_REQUIRED', 'Enter the code from your authenticator app (totpCode) or a recovery code');
    }
    const factor = input.totpCode ? { totpCode: input.totpCode } : { recoveryCode: input.recoveryCode };
    if (!(await checkSecondFactor(deps, { id: user.id, email: input.email }, factor))) {
      throw refused(() => appError('INVALID_CREDENTIALS', 'The code is wrong or was already used'));
    }
    aal = 2;
  } else if (user.throttled) {
    // A right password alone while the email waits: the same answer as a wrong one.
    throw refused(() => appError('INVALID_CREDENTIALS', 'Email or password is wrong'));
  }
  // Someone else's failures made the email wait: getting in past them leaves their count alone.
  await clearFailures(deps, user.throttled ? [factorKey(user.id)] : [...user.keys, factorKey(user.id)]);
  const opened = await deps.db.transaction(async (tx) => {
    const session = await openSession(deps, user.id, tx, aal);
    const deviceToken = await rememberDevice(deps, user.id, user.device, tx);
    await audit(deps, { type: 'SIGN_IN', actorId: user.id, userId: user.id, details: { sessionId: session.sessionId, knownDevice: Boolean(user.device) } }, tx as unknown as Database);
    return { ...session, deviceToken };
  });
  return { ...(await issueSession(deps, opened)), deviceToken: opened.deviceToken };
}

/** Needs the current password (throttled per user: only a session gets here); ends every other session of the user. */
export async function changePassword(deps: Deps, rawInput: unknown): Promise<boolean> {
  const v = requireViewer(deps.viewer);
  const input = parseInput(ChangePasswordInput, rawInput);
  const [me] = await deps.db.select({ email: users.email, passwordHash: users.passwordHash }).from(users).where(eq(users.id, v.userId));
  if (!me) throw appError('UNAUTHENTICATED', 'Sign in to do this');
  const keys = withIp(passwordKey(v.userId), deps.clientIp);
  await assertNotLocked(deps, keys);
  if (!(await deps.hasher.verify(me.passwordHash, input.currentPassword))) {
    await failed(deps, keys, v.userId, { during: 'change_password', reason: 'wrong_password' });
    throw appError('INVALID_CREDENTIALS', 'The current password is wrong', { issues: [{ path: 'currentPassword', message: 'is wrong' }] });
  }
  await clearFailures(deps, keys);
  const passwordHash = await deps.hasher.hash(input.newPassword);
  await transactionWithEvents(deps.db, deps.bus, async (tx, emit) => {
    await tx.update(users).set({ passwordHash, updatedAt: deps.clock.now() }).where(eq(users.id, v.userId));
    const ended = await revokeUserSessions(deps, tx, emit, v.userId, 'password_changed', v.sessionId);
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
export async function visibleUsers({ db, viewer }: Pick<Deps, 'db' | 'viewer'>, ids: readonly string[]): Promise<VisibleUser[]> {
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
