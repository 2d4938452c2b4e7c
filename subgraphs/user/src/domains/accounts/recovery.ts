import { randomBytes, randomUUID } from 'node:crypto';
import { appError, parseInput, requireViewer, transactionWithEvents, z } from '@organoise/core';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { secondsFrom } from '../../clock.js';
import { emailTokens, knownDevices, users } from '../../db/schema.js';
import type { Database } from '@organoise/core';
import type { Deps } from '../../services.js';
import type { MailMessage } from '../../mail/mailer.js';
import { audit } from '../audit/audit.js';
import { newPassword } from './accounts.js';
import { claimAccount } from './claim.js';
import { hashSecret, revokeUserSessions } from './sessions.js';
import { accountKey, clearFailures, factorKey } from './throttle.js';

type Purpose = 'VERIFY_EMAIL' | 'RESET_PASSWORD';

/** One message per purpose and user per this many seconds, so nobody can flood an inbox. */
export const MAIL_INTERVAL_SECONDS = 60;

const emailInput = z.string().trim().toLowerCase().max(254).email({ message: 'must be an email address' });
const tokenInput = z.string().min(20).max(200);
export const ResetPasswordInput = z.object({ token: tokenInput, newPassword });

const invalidToken = () => appError('EMAIL_TOKEN_INVALID', 'This link is not valid any more; ask for a new one');

/** Seconds until the user may be sent another message of this purpose (0: now). */
async function waitBeforeSending(deps: Deps, userId: string, purpose: Purpose): Promise<number> {
  const [last] = await deps.db
    .select({ createdAt: emailTokens.createdAt })
    .from(emailTokens)
    .where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose)))
    .orderBy(desc(emailTokens.createdAt))
    .limit(1);
  if (!last) return 0;
  const elapsed = (deps.clock.now().getTime() - last.createdAt.getTime()) / 1000;
  return Math.max(0, Math.ceil(MAIL_INTERVAL_SECONDS - elapsed));
}

/** Voids the user's earlier tokens of this purpose and stores a new one; returns the token itself (to be mailed, never stored). */
async function issueToken(deps: Deps, userId: string, email: string, purpose: Purpose): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  const ttl = purpose === 'VERIFY_EMAIL' ? deps.settings.email.verificationTtlSeconds : deps.settings.email.passwordResetTtlSeconds;
  await deps.db.transaction(async (tx) => {
    await tx
      .update(emailTokens)
      .set({ usedAt: now })
      .where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt)));
    await tx.insert(emailTokens).values({ id: randomUUID(), userId, purpose, email, tokenHash: hashSecret(token), createdAt: now, expiresAt: secondsFrom(deps.clock, ttl) });
  });
  return token;
}

/** A page of the app (PUBLIC_APP_URL), with a token when given. */
export const appLink = (deps: Deps, path: string, token?: string) => {
  const url = new URL(path, deps.settings.email.appUrl);
  if (token) url.searchParams.set('token', token);
  return url.toString();
};
const link = appLink;

/** Sends without making the answer wait: a slow SMTP server must not tell "has an account" from "has none". */
export function mailInBackground(deps: Deps, what: string, message: MailMessage): void {
  deps.background.run(`${what} mail`, () => deps.mailer.send(message));
}

/** Mails the signed-in user a link proving they receive mail at their address. */
export async function requestEmailVerification(deps: Deps): Promise<boolean> {
  const v = requireViewer(deps.viewer);
  const [me] = await deps.db.select({ email: users.email, verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, v.userId));
  if (!me) throw appError('UNAUTHENTICATED', 'Sign in to do this');
  if (me.verifiedAt) return true;
  const wait = await waitBeforeSending(deps, v.userId, 'VERIFY_EMAIL');
  if (wait > 0) throw appError('TOO_MANY_ATTEMPTS', 'A verification email was sent a moment ago', { retryAfterSeconds: wait });
  const token = await issueToken(deps, v.userId, me.email, 'VERIFY_EMAIL');
  const hours = Math.round(deps.settings.email.verificationTtlSeconds / 3600);
  await deps.mailer.send({
    to: me.email,
    subject: 'Confirm your email address',
    text: `Open this link, signed in to your OrgaNoise account, to confirm that this address is yours:\n\n${link(deps, '/verify-email', token)}\n\nThe link works once, for ${hours} hours.\nIf you did not create an account, someone else used your address: do not open the link. To take the account over, ask for a password reset at ${new URL('/reset-password', deps.settings.email.appUrl).toString()}; everything its creator set up is removed.\n`,
  });
  return true;
}

/**
 * Marks the address verified; the token must be unused, unexpired, for the user's current address,
 * and used in a session of that user. Only a session holder can ask for the mail, and the
 * mailbox's owner may not be that person (someone may have registered their address): a link
 * clicked outside the account proves the inbox, not who set the password, so it verifies nothing.
 * That owner claims the account with a password reset instead.
 */
export async function verifyEmail(deps: Deps, rawToken: unknown): Promise<{ userId: string }> {
  const v = requireViewer(deps.viewer);
  const token = parseInput(tokenInput, rawToken);
  const now = deps.clock.now();
  const userId = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: emailTokens.id, userId: emailTokens.userId, email: emailTokens.email, usedAt: emailTokens.usedAt, expiresAt: emailTokens.expiresAt, current: users.email })
      .from(emailTokens)
      .innerJoin(users, eq(users.id, emailTokens.userId))
      .where(and(eq(emailTokens.tokenHash, hashSecret(token)), eq(emailTokens.purpose, 'VERIFY_EMAIL')))
      .for('update');
    if (!row || row.userId !== v.userId || row.usedAt || row.expiresAt <= now || row.email !== row.current) return null;
    await tx.update(emailTokens).set({ usedAt: now }).where(eq(emailTokens.id, row.id));
    await tx.update(users).set({ emailVerifiedAt: now, updatedAt: now }).where(eq(users.id, row.userId));
    await audit(deps, { type: 'EMAIL_VERIFIED', actorId: row.userId, userId: row.userId, details: { email: row.email } }, tx as unknown as Database);
    return row.userId;
  });
  if (!userId) throw invalidToken();
  return { userId };
}

/**
 * Mails a reset link when the address has an account. The answer is the same either way and
 * comes after the same work (one lookup): everything else (the one-a-minute check, the token,
 * the audit, the mail) happens after answering, so neither the answer nor its timing can tell.
 */
export async function requestPasswordReset(deps: Deps, rawEmail: unknown): Promise<boolean> {
  const email = parseInput(emailInput, rawEmail);
  const [user] = await deps.db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (user) deps.background.run('password reset', () => sendPasswordReset(deps, user.id, email));
  return true;
}

async function sendPasswordReset(deps: Deps, userId: string, email: string): Promise<void> {
  // Repeated requests within a minute send nothing more, so this cannot flood an inbox.
  if ((await waitBeforeSending(deps, userId, 'RESET_PASSWORD')) > 0) return;
  const token = await issueToken(deps, userId, email, 'RESET_PASSWORD');
  await audit(deps, { type: 'PASSWORD_RESET_REQUESTED', actorId: deps.viewer?.userId ?? null, userId });
  const minutes = Math.round(deps.settings.email.passwordResetTtlSeconds / 60);
  await deps.mailer.send({
    to: email,
    subject: 'Reset your password',
    text: `Someone asked to reset the password of your account. To choose a new password, open:\n\n${link(deps, '/reset-password', token)}\n\nThe link works once, for ${minutes} minutes.\nIf it was not you, ignore this message: your password stays as it is.\n`,
  });
}

/** Sets a new password from a mailed token; every session of the user ends. */
export async function resetPassword(deps: Deps, rawInput: unknown): Promise<{ userId: string }> {
  const input = parseInput(ResetPasswordInput, rawInput);
  const tokenHash = hashSecret(input.token);
  const usable = async () => {
    const [row] = await deps.db
      .select({ usedAt: emailTokens.usedAt, expiresAt: emailTokens.expiresAt })
      .from(emailTokens)
      .where(and(eq(emailTokens.tokenHash, tokenHash), eq(emailTokens.purpose, 'RESET_PASSWORD')));
    return row && !row.usedAt && row.expiresAt > deps.clock.now();
  };
  // Checked before hashing so that junk tokens cost no argon2 work; checked again under the lock.
  if (!(await usable())) throw invalidToken();
  const passwordHash = await deps.hasher.hash(input.newPassword);
  const now = deps.clock.now();
  const done = await transactionWithEvents(deps.db, deps.bus, async (tx, emit) => {
    const [row] = await tx
      .select({ id: emailTokens.id, userId: emailTokens.userId, email: emailTokens.email, usedAt: emailTokens.usedAt, expiresAt: emailTokens.expiresAt, current: users.email, verifiedAt: users.emailVerifiedAt })
      .from(emailTokens)
      .innerJoin(users, eq(users.id, emailTokens.userId))
      .where(eq(emailTokens.tokenHash, tokenHash))
      .for('update');
    if (!row || row.usedAt || row.expiresAt <= now || row.email !== row.current) return null;
    await tx.update(emailTokens).set({ usedAt: now }).where(eq(emailTokens.id, row.id));
    // The link reached the inbox, which proves the address. On an account nobody had proved, that
    // is a claim: whoever registered the address may not be its owner, so everything they set
    // up goes before the new password is set.
    if (!row.verifiedAt) await claimAccount(deps, tx, emit, row.userId, 'password_reset', row.id);
    await tx.update(users).set({ passwordHash, updatedAt: now, emailVerifiedAt: row.verifiedAt ?? now }).where(eq(users.id, row.userId));
    // Whoever holds the password (or a device) someone reset away from may not keep a way back in.
    await tx.delete(knownDevices).where(eq(knownDevices.userId, row.userId));
    const ended = await revokeUserSessions(deps, tx, emit, row.userId, 'password_reset');
    await audit(deps, { type: 'PASSWORD_RESET', actorId: null, userId: row.userId, details: { sessionsEnded: ended, claimed: !row.verifiedAt } }, tx as unknown as Database);
    return { userId: row.userId, email: row.email };
  });
  if (!done) throw invalidToken();
  await clearFailures(deps, [accountKey(done.email), factorKey(done.userId)]);
  return { userId: done.userId };
}
