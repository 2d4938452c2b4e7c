import { randomBytes, randomUUID } from 'node:crypto';
import { appError, isUniqueViolation, nonBlank, parseInput, z, type Database } from '@organoise/core';
import { and, desc, eq, gt, lt } from 'drizzle-orm';
import { secondsFrom } from '../../clock.js';
import { pendingSignUps, users } from '../../db/schema.js';
import type { Deps } from '../../services.js';
import { audit } from '../audit/audit.js';
import { anyPassword, email, newPassword } from './accounts.js';
import { rememberDevice } from './devices.js';
import { MAIL_INTERVAL_SECONDS, mailInBackground, appLink } from './recovery.js';
import { hashSecret, issueSession, openSession, type IssuedSession } from './sessions.js';
import { assertNotLocked, ipKey, recordFailure } from './throttle.js';

export const SignUpInput = z.object({ email, password: newPassword, name: nonBlank(100) });
const CompleteSignUpInput = z.object({ token: z.string().min(20).max(200), password: anyPassword });

/**
 * Signs up. With SIGN_UP_VERIFICATION off, the account exists at once and the answer is its
 * session; an address that has an account is CONFLICT (which tells anyone it has one).
 *
 * With it on (the production default), the answer is null whether or not the address has an
 * account, after the same work (a hash, the same queries, one insert, a mail sent in the
 * background): the address's owner gets either a link to finish signing up (completeSignUp, with
 * the same password) or a note that someone tried to sign up with their address. Nobody can hold
 * an account for an address they cannot read (docs/decisions/0007-account-claim-and-lockout.md).
 */
export async function signUp(deps: Deps, rawInput: unknown): Promise<IssuedSession | null> {
  const input = parseInput(SignUpInput, rawInput);
  const passwordHash = await deps.hasher.hash(input.password);
  if (deps.settings.signUpVerification) return requestSignUp(deps, input, passwordHash);
  const id = randomUUID();
  const now = deps.clock.now();
  try {
    const opened = await deps.db.transaction(async (tx) => {
      await tx.insert(users).values({ id, email: input.email, name: input.name, passwordHash, createdAt: now, updatedAt: now });
      const session = await openSession(deps, id, tx);
      const deviceToken = await rememberDevice(deps, id, null, tx);
      await audit(deps, { type: 'SIGN_UP', actorId: id, userId: id, details: { sessionId: session.sessionId } }, tx as unknown as Database);
      return { ...session, deviceToken };
    });
    return { ...(await issueSession(deps, opened)), deviceToken: opened.deviceToken };
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw appError('CONFLICT', 'An account with this email already exists', { issues: [{ path: 'email', message: 'is taken' }] });
    }
    throw error;
  }
}

async function requestSignUp(deps: Deps, input: z.output<typeof SignUpInput>, passwordHash: string): Promise<null> {
  const now = deps.clock.now();
  const [existing] = await deps.db.select({ id: users.id }).from(users).where(eq(users.email, input.email));
  const [last] = await deps.db
    .select({ createdAt: pendingSignUps.createdAt })
    .from(pendingSignUps)
    .where(eq(pendingSignUps.email, input.email))
    .orderBy(desc(pendingSignUps.createdAt))
    .limit(1);
  // One message per address a minute, whichever it is: nobody can flood an inbox through this.
  if (last && now.getTime() - last.createdAt.getTime() < MAIL_INTERVAL_SECONDS * 1000) return null;
  const token = randomBytes(32).toString('base64url');
  // Stored for a known address too (it can never complete: the address is taken), so that both
  // answers cost the same and the next request within a minute is refused the same way.
  await deps.db.insert(pendingSignUps).values({
    id: randomUUID(),
    email: input.email,
    name: input.name,
    passwordHash,
    tokenHash: hashSecret(token),
    createdAt: now,
    expiresAt: secondsFrom(deps.clock, deps.settings.email.verificationTtlSeconds),
  });
  if (Math.random() < 0.05) await deps.db.delete(pendingSignUps).where(lt(pendingSignUps.expiresAt, now));
  const hours = Math.round(deps.settings.email.verificationTtlSeconds / 3600);
  if (existing) {
    mailInBackground(deps, 'sign-up attempt', {
      to: input.email,
      subject: 'Someone tried to sign up with your address',
      text: `Someone asked to create an OrgaNoise account for this address, which already has one. Nothing changed.\n\nIf it was you, sign in at ${appLink(deps, '/sign-in')}, or choose a new password at ${appLink(deps, '/reset-password')}.\nIf it was not you, ignore this message.\n`,
    });
    deps.background.run('sign-up attempt audit', () => audit(deps, { type: 'SIGN_UP_REQUESTED', actorId: null, userId: existing.id }));
  } else {
    mailInBackground(deps, 'sign-up link', {
      to: input.email,
      subject: 'Finish creating your account',
      text: `To finish creating your OrgaNoise account, open this link and enter the password you chose:\n\n${appLink(deps, '/complete-sign-up', token)}\n\nThe link works once, for ${hours} hours.\nIf you did not ask for this, ignore this message: no account is created.\n`,
    });
  }
  return null;
}

/**
 * Creates the account of a mailed sign-up link, verified, and signs in. The password must be the
 * one chosen at signUp: whoever opens the link must also be whoever signed up. Wrong passwords
 * count against the client's address.
 */
export async function completeSignUp(deps: Deps, rawInput: unknown): Promise<IssuedSession> {
  const input = parseInput(CompleteSignUpInput, rawInput);
  const keys = deps.clientIp ? [ipKey(deps.clientIp)] : [];
  await assertNotLocked(deps, keys);
  const now = deps.clock.now();
  const [pending] = await deps.db
    .select()
    .from(pendingSignUps)
    .where(and(eq(pendingSignUps.tokenHash, hashSecret(input.token)), gt(pendingSignUps.expiresAt, now)));
  const ok = await deps.hasher.verify(pending?.passwordHash ?? null, input.password);
  if (!pending) {
    await recordFailure(deps, keys);
    throw appError('EMAIL_TOKEN_INVALID', 'This link is not valid any more; sign up again');
  }
  if (!ok) {
    await recordFailure(deps, keys);
    throw appError('INVALID_CREDENTIALS', 'This is not the password chosen at sign-up', { issues: [{ path: 'password', message: 'is wrong' }] });
  }
  const id = randomUUID();
  try {
    const opened = await deps.db.transaction(async (tx) => {
      // Every sign-up of this address ends here, this one included: each link works once.
      const spent = await tx.delete(pendingSignUps).where(eq(pendingSignUps.email, pending.email)).returning({ id: pendingSignUps.id });
      if (!spent.some((row) => row.id === pending.id)) return null;
      await tx.insert(users).values({ id, email: pending.email, name: pending.name, passwordHash: pending.passwordHash, emailVerifiedAt: now, createdAt: now, updatedAt: now });
      const session = await openSession(deps, id, tx);
      const deviceToken = await rememberDevice(deps, id, null, tx);
      await audit(deps, { type: 'SIGN_UP', actorId: id, userId: id, details: { sessionId: session.sessionId, verified: true } }, tx as unknown as Database);
      return { ...session, deviceToken };
    });
    if (!opened) throw appError('EMAIL_TOKEN_INVALID', 'This link is not valid any more; sign up again');
    return { ...(await issueSession(deps, opened)), deviceToken: opened.deviceToken };
  } catch (error) {
    // The address got an account meanwhile (or had one all along): sign in, or reset the password.
    if (isUniqueViolation(error)) throw appError('EMAIL_TOKEN_INVALID', 'This address has an account already; sign in or reset its password');
    throw error;
  }
}
