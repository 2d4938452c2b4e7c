import { appError } from '@organoise/core';
import { and, gt, inArray, lt, sql } from 'drizzle-orm';
import { secondsFrom } from '../../clock.js';
import { authThrottles } from '../../db/schema.js';
import type { Deps as RequestDeps, UserServices } from '../../services.js';
import { audit } from '../audit/audit.js';

type Deps = Pick<UserServices, 'db' | 'clock' | 'settings'>;

// What failures count against (docs/decisions/0007-account-claim-and-lockout.md):
/** Password checks for an email as typed, so an unknown email is throttled exactly like a known one. */
export const accountKey = (email: string) => `account:${email}`;
/** Every check from one client address (as the gateway saw it). */
export const ipKey = (ip: string) => `ip:${ip}`;
/** Password checks from a known device of the account: its own budget, untouched by strangers. */
export const deviceKey = (deviceId: string) => `device:${deviceId}`;
/** Second-factor checks of one user: only someone who has the password or a session gets here. */
export const factorKey = (userId: string) => `factor:${userId}`;
/** Current-password checks in a signed-in session (changePassword). */
export const passwordKey = (userId: string) => `password:${userId}`;

/** The keys of a password check by email: the account and the client's address when known. */
export function throttleKeys(email: string, clientIp: string | null): string[] {
  return clientIp ? [accountKey(email), ipKey(clientIp)] : [accountKey(email)];
}

/** A key with the client's address, when known. */
export const withIp = (key: string, clientIp: string | null) => (clientIp ? [key, ipKey(clientIp)] : [key]);

/** The wait after the key's first counted failure at its limit; each further failure doubles it. */
export const FIRST_WAIT_SECONDS = 2;

const limitOf = (deps: Deps, key: string) => (key.startsWith('ip:') ? deps.settings.throttle.ipMaxFailures : deps.settings.throttle.accountMaxFailures);

/** Seconds a key waits after its n-th failure: none below the limit, then 2, 4, 8... up to lockoutSeconds. */
export function waitAfter(failures: number, limit: number, maxSeconds: number): number {
  if (failures < limit) return 0;
  return Math.min(maxSeconds, FIRST_WAIT_SECONDS * 2 ** Math.min(failures - limit, 30));
}

export const tooManyAttempts = (retryAfterSeconds: number) =>
  appError('TOO_MANY_ATTEMPTS', 'Too many failed attempts; try again later', { retryAfterSeconds });

/** The keys among these that are waiting now, with the seconds left. */
export async function lockedKeys(deps: Deps, keys: string[]): Promise<Map<string, number>> {
  const locked = new Map<string, number>();
  if (keys.length === 0) return locked;
  const now = deps.clock.now();
  const rows = await deps.db
    .select({ key: authThrottles.key, lockedUntil: authThrottles.lockedUntil })
    .from(authThrottles)
    .where(and(inArray(authThrottles.key, keys), gt(authThrottles.lockedUntil, now)));
  for (const row of rows) locked.set(row.key, Math.ceil((row.lockedUntil!.getTime() - now.getTime()) / 1000));
  return locked;
}

export const retryAfterOf = (locked: Map<string, number>) => Math.max(...locked.values());

/** Refuses with TOO_MANY_ATTEMPTS (and the seconds to wait) while any of the keys waits. */
export async function assertNotLocked(deps: Deps, keys: string[]): Promise<void> {
  const locked = await lockedKeys(deps, keys);
  if (locked.size > 0) throw tooManyAttempts(retryAfterOf(locked));
}

/** A key that a failure made wait for the first time, and for how long. */
export interface StartedLockout {
  key: string;
  seconds: number;
}

/**
 * Counts one failure against each key, in one statement per key so that replicas counting at the
 * same moment do not lose increments. A key's count is forgotten once it has gone a whole window
 * without a failure. Returns the keys this failure made wait for the first time (for the audit).
 */
export async function recordFailure(deps: Deps, keys: string[]): Promise<StartedLockout[]> {
  const now = deps.clock.now();
  const { windowSeconds, lockoutSeconds } = deps.settings.throttle;
  const windowStart = secondsFrom(deps.clock, -windowSeconds);
  // Dates inside raw SQL go as ISO text: postgres.js would send Date#toString(), which Postgres cannot parse.
  const stale = sql`${authThrottles.updatedAt} <= ${windowStart.toISOString()}::timestamptz`;
  const started: StartedLockout[] = [];
  for (const key of keys) {
    const limit = limitOf(deps, key);
    const [row] = await deps.db
      .insert(authThrottles)
      .values({ key, failures: 1, windowStartedAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: authThrottles.key,
        set: {
          failures: sql`case when ${stale} then 1 else ${authThrottles.failures} + 1 end`,
          windowStartedAt: sql`case when ${stale} then ${now.toISOString()}::timestamptz else ${authThrottles.windowStartedAt} end`,
          updatedAt: now,
        },
      })
      .returning({ failures: authThrottles.failures });
    const seconds = waitAfter(row?.failures ?? 0, limit, lockoutSeconds);
    if (seconds > 0) {
      await deps.db
        .update(authThrottles)
        .set({ lockedUntil: secondsFrom(deps.clock, seconds) })
        .where(inArray(authThrottles.key, [key]));
      if (row!.failures === limit) started.push({ key, seconds });
    }
  }
  if (Math.random() < 0.01) await forgetOld(deps);
  return started;
}

/** Everything proved: these keys' counts start again (never an address's: one good account must not reset an attacker's budget). */
export async function clearFailures(deps: Deps, keys: string[]): Promise<void> {
  const own = keys.filter((k) => !k.startsWith('ip:'));
  if (own.length > 0) await deps.db.delete(authThrottles).where(inArray(authThrottles.key, own));
}

/** Rows that neither count nor wait any more. */
async function forgetOld(deps: Deps) {
  const { windowSeconds, lockoutSeconds } = deps.settings.throttle;
  await deps.db.delete(authThrottles).where(lt(authThrottles.updatedAt, secondsFrom(deps.clock, -Math.max(windowSeconds, lockoutSeconds))));
}

/** The scope a key's lockout is reported under (audit `LOCKOUT` details). */
export const scopeOf = (key: string) => key.slice(0, key.indexOf(':')).replace('ip', 'address');

/** Records each lockout a failure started (audit `LOCKOUT`): under the user for their own keys, under nobody for an address. */
export async function auditLockouts(deps: Pick<RequestDeps, 'db' | 'clock' | 'viewer' | 'clientIp'>, started: StartedLockout[], userId: string | null): Promise<void> {
  for (const { key, seconds } of started) {
    const scope = scopeOf(key);
    await audit(deps, { type: 'LOCKOUT', actorId: null, userId: scope === 'address' ? null : userId, details: { scope, seconds } });
  }
}
