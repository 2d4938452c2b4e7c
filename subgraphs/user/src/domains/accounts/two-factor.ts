import { randomBytes, randomUUID } from 'node:crypto';
import { ScureBase32Plugin } from 'otplib';
import { appError, parseInput, requireViewer, transactionWithEvents, z, type Database } from '@organoise/core';
import { and, count, eq, isNull, lt, or } from 'drizzle-orm';
import { generateTotpSecret, otpauthUri, verifyTotp } from '../../crypto/totp.js';
import { recoveryCodes, sessions, totpFactors, users } from '../../db/schema.js';
import type { Deps } from '../../services.js';
import { audit } from '../audit/audit.js';
import { hashSecret, revokeUserSessions } from './sessions.js';
import { assertNotLocked, auditLockouts, factorKey, recordFailure, withIp } from './throttle.js';

const RECOVERY_CODE_COUNT = 10;
const TOTP_ISSUER = 'OrgaNoise';

const totpCode = z.string().trim().regex(/^\d{6}$/, { message: 'must be 6 digits' });
const recoveryCode = z.string().trim().min(8).max(40);
export const SecondFactorInput = z
  .object({ totpCode: totpCode.nullish(), recoveryCode: recoveryCode.nullish() })
  .refine((v) => Boolean(v.totpCode) !== Boolean(v.recoveryCode), { message: 'give either totpCode or recoveryCode', path: ['totpCode'] });
export type SecondFactor = { totpCode?: string | null | undefined; recoveryCode?: string | null | undefined };

/** The secret is bound to its owner: a ciphertext copied onto another user's row does not decrypt. */
const secretContext = (userId: string) => `totp:${userId}`;
/** Codes are shown grouped (xxxx-xxxx-xxxx-xxxx) but compared without case or separators. */
const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/[^a-z2-7]/g, '');
const base32 = new ScureBase32Plugin();
const newRecoveryCode = () => base32.encode(randomBytes(10), { padding: false }).toLowerCase().match(/.{4}/g)!.join('-');

export async function twoFactorEnabled(db: Database, userId: string): Promise<boolean> {
  const [row] = await db.select({ confirmedAt: totpFactors.confirmedAt }).from(totpFactors).where(eq(totpFactors.userId, userId));
  return Boolean(row?.confirmedAt);
}

async function replaceRecoveryCodes(deps: Deps, tx: Database, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const now = deps.clock.now();
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await tx.insert(recoveryCodes).values(codes.map((code) => ({ id: randomUUID(), userId, codeHash: hashSecret(normalizeRecoveryCode(code)), createdAt: now })));
  return codes;
}

/** Starts TOTP enrolment: a new secret, pending until `confirmTotp` proves the app has it. */
export async function enrollTotp(deps: Deps): Promise<{ secret: string; otpauthUri: string }> {
  const v = requireViewer(deps.viewer);
  const [me] = await deps.db.select({ email: users.email }).from(users).where(eq(users.id, v.userId));
  if (!me) throw appError('UNAUTHENTICATED', 'Sign in to do this');
  if (await twoFactorEnabled(deps.db, v.userId)) throw appError('CONFLICT', 'Two-factor authentication is already on; disable it first');
  const secret = generateTotpSecret();
  const row = { secretEncrypted: deps.secrets.encrypt(secret, secretContext(v.userId)), createdAt: deps.clock.now(), confirmedAt: null, lastUsedStep: null };
  await deps.db.insert(totpFactors).values({ userId: v.userId, ...row }).onConflictDoUpdate({ target: totpFactors.userId, set: row });
  return { secret, otpauthUri: otpauthUri(secret, me.email, TOTP_ISSUER) };
}

/**
 * Uses one second factor of a user: a TOTP code (its time step must be after the last one used,
 * so a code works once) or an unused recovery code (spent). Returns how, or null.
 */
async function consumeSecondFactor(deps: Deps, userId: string, factor: SecondFactor, pending = false): Promise<'totp' | 'recovery_code' | null> {
  const now = deps.clock.now();
  if (factor.totpCode) {
    const [row] = await deps.db.select().from(totpFactors).where(eq(totpFactors.userId, userId));
    if (!row || Boolean(row.confirmedAt) === pending) return null;
    const step = await verifyTotp(deps.secrets.decrypt(row.secretEncrypted, secretContext(userId)), factor.totpCode, now, row.lastUsedStep);
    if (step === null) return null;
    // Conditional on the last step, so two requests racing with the same code cannot both pass.
    const claimed = await deps.db
      .update(totpFactors)
      .set({ lastUsedStep: step })
      .where(and(eq(totpFactors.userId, userId), or(isNull(totpFactors.lastUsedStep), lt(totpFactors.lastUsedStep, step))))
      .returning({ userId: totpFactors.userId });
    return claimed.length > 0 ? 'totp' : null;
  }
  if (factor.recoveryCode && !pending) {
    const spent = await deps.db
      .update(recoveryCodes)
      .set({ usedAt: now })
      .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, hashSecret(normalizeRecoveryCode(factor.recoveryCode))), isNull(recoveryCodes.usedAt)))
      .returning({ id: recoveryCodes.id });
    if (spent.length === 0) return null;
    const [left] = await deps.db.select({ n: count() }).from(recoveryCodes).where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
    await audit(deps, { type: 'RECOVERY_CODE_USED', actorId: userId, userId, details: { remaining: left?.n ?? 0 } });
    return 'recovery_code';
  }
  return null;
}

/**
 * Checks a second factor under the brute-force rules (a 6-digit code must not be guessable):
 * failures count against the user's factor key and the address. Only someone who has the
 * password or a session gets here, so strangers failing passwords never make this wait.
 */
export async function checkSecondFactor(deps: Deps, user: { id: string; email: string }, factor: SecondFactor, pending = false): Promise<'totp' | 'recovery_code' | null> {
  const keys = withIp(factorKey(user.id), deps.clientIp);
  await assertNotLocked(deps, keys);
  const method = await consumeSecondFactor(deps, user.id, factor, pending);
  if (method) return method;
  const started = await recordFailure(deps, keys);
  await audit(deps, { type: 'SECOND_FACTOR_FAILED', actorId: deps.viewer?.userId ?? null, userId: user.id, details: { method: factor.totpCode ? 'totp' : 'recovery_code' } });
  await auditLockouts(deps, started, user.id);
  return null;
}

const wrongCode = () => appError('INVALID_CREDENTIALS', 'The code is wrong or was already used', { issues: [{ path: 'code', message: 'is wrong' }] });

async function me(deps: Deps) {
  const v = requireViewer(deps.viewer);
  const [row] = await deps.db.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, v.userId));
  if (!row) throw appError('UNAUTHENTICATED', 'Sign in to do this');
  return { viewer: v, user: row };
}

/** Raises the session to assurance level 2 and returns an access token saying so. */
async function markSecondFactor(deps: Deps, tx: Database, sessionId: string) {
  await tx.update(sessions).set({ aal: 2, secondFactorAt: deps.clock.now() }).where(eq(sessions.id, sessionId));
}

/** Confirms enrolment with a first code: TOTP is on, recovery codes are issued (shown once). */
export async function confirmTotp(deps: Deps, rawCode: unknown) {
  const code = parseInput(totpCode, rawCode);
  const { viewer, user } = await me(deps);
  const [row] = await deps.db.select({ confirmedAt: totpFactors.confirmedAt }).from(totpFactors).where(eq(totpFactors.userId, user.id));
  if (!row) throw appError('CONFLICT', 'Start with enrollTotp');
  if (row.confirmedAt) throw appError('CONFLICT', 'Two-factor authentication is already on');
  if (!(await checkSecondFactor(deps, user, { totpCode: code }, true))) throw wrongCode();
  const codes = await transactionWithEvents(deps.db, deps.bus, async (tx, emit) => {
    await tx.update(totpFactors).set({ confirmedAt: deps.clock.now() }).where(eq(totpFactors.userId, user.id));
    const issued = await replaceRecoveryCodes(deps, tx as unknown as Database, user.id);
    await markSecondFactor(deps, tx as unknown as Database, viewer.sessionId);
    // Every other session signed in with one factor: one of them may be why two factors were turned on.
    const ended = await revokeUserSessions(deps, tx, emit, user.id, 'two_factor_enabled', viewer.sessionId);
    await audit(deps, { type: 'TOTP_ENABLED', userId: user.id, details: { otherSessionsEnded: ended } }, tx as unknown as Database);
    return issued;
  });
  const { token, expiresAt } = await deps.tokens.sign(user.id, viewer.sessionId, { aal: 2 });
  return { recoveryCodes: codes, accessToken: token, expiresAt };
}

/** Step-up: proves the second factor again in this session, for the changes that need it recent. */
export async function verifySecondFactor(deps: Deps, rawInput: unknown) {
  const input = parseInput(SecondFactorInput, rawInput);
  const { viewer, user } = await me(deps);
  if (!(await twoFactorEnabled(deps.db, user.id))) throw appError('CONFLICT', 'Two-factor authentication is off for this account');
  if (!(await checkSecondFactor(deps, user, input))) throw wrongCode();
  await markSecondFactor(deps, deps.db, viewer.sessionId);
  await audit(deps, { type: 'SECOND_FACTOR_VERIFIED', userId: user.id, details: { sessionId: viewer.sessionId } });
  const { token, expiresAt } = await deps.tokens.sign(user.id, viewer.sessionId, { aal: 2 });
  return { accessToken: token, expiresAt };
}

/**
 * Sensitive changes of an account with two factors need the second one verified in this session
 * within the last STEP_UP_MAX_AGE_SECONDS (STEP_UP_REQUIRED otherwise). Accounts without a second
 * factor have nothing to step up with.
 */
export async function requireRecentSecondFactor(deps: Deps, userId: string, sessionId: string): Promise<void> {
  if (!(await twoFactorEnabled(deps.db, userId))) return;
  const [session] = await deps.db.select({ at: sessions.secondFactorAt }).from(sessions).where(eq(sessions.id, sessionId));
  const maxAge = deps.settings.stepUpMaxAgeSeconds;
  if (session?.at && deps.clock.now().getTime() - session.at.getTime() <= maxAge * 1000) return;
  throw appError('STEP_UP_REQUIRED', 'Confirm with your second factor first (verifySecondFactor)', { maxAgeSeconds: maxAge });
}

export async function disableTotp(deps: Deps): Promise<boolean> {
  const { viewer, user } = await me(deps);
  if (!(await twoFactorEnabled(deps.db, user.id))) {
    // A pending enrolment can be dropped freely.
    await deps.db.delete(totpFactors).where(eq(totpFactors.userId, user.id));
    return true;
  }
  await deps.db.transaction(async (tx) => {
    await tx.delete(totpFactors).where(eq(totpFactors.userId, user.id));
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
    await audit(deps, { type: 'TOTP_DISABLED', userId: user.id }, tx as unknown as Database);
  });
  return true;
}

/** A new set of recovery codes; every code of the old set stops working. */
export async function regenerateRecoveryCodes(deps: Deps): Promise<string[]> {
  const { viewer, user } = await me(deps);
  if (!(await twoFactorEnabled(deps.db, user.id))) throw appError('CONFLICT', 'Two-factor authentication is off for this account');
  return deps.db.transaction(async (tx) => {
    const codes = await replaceRecoveryCodes(deps, tx as unknown as Database, user.id);
    await audit(deps, { type: 'RECOVERY_CODES_REGENERATED', userId: user.id }, tx as unknown as Database);
    return codes;
  });
}
