import { appError } from '@organoise/core';
import { and, gt, inArray, lt, sql } from 'drizzle-orm';
import { secondsFrom } from '../../clock.js';
import { authThrottles } from '../../db/schema.js';
import type { UserServices } from '../../services.js';

type Deps = Pick<UserServices, 'db' | 'clock' | 'settings'>;

/**
 * The keys a password check counts against: the email as typed (so an unknown email is throttled
 * exactly like a known one) and the client's address when the gateway forwarded it.
 */
export function throttleKeys(email: string, clientIp: string | null): string[] {
  return clientIp ? [`account:${email}`, `ip:${clientIp}`] : [`account:${email}`];
}

const limitOf = (deps: Deps, key: string) =>
  key.startsWith('ip:') ? deps.settings.throttle.ipMaxFailures : deps.settings.throttle.accountMaxFailures;

export const tooManyAttempts = (retryAfterSeconds: number) =>
  appError('TOO_MANY_ATTEMPTS', 'Too many failed attempts; try again later', { retryAfterSeconds });

/** Refuses with TOO_MANY_ATTEMPTS (and the seconds to wait) while any of the keys is locked. */
export async function assertNotLocked(deps: Deps, keys: string[]): Promise<void> {
  const now = deps.clock.now();
  const locked = await deps.db
    .select({ lockedUntil: authThrottles.lockedUntil })
    .from(authThrottles)
    .where(and(inArray(authThrottles.key, keys), gt(authThrottles.lockedUntil, now)));
  if (locked.length === 0) return;
  const until = Math.max(...locked.map((r) => r.lockedUntil!.getTime()));
  throw tooManyAttempts(Math.ceil((until - now.getTime()) / 1000));
}

/**
 * Counts one failure against each key, in one statement per key so that replicas counting at the
 * same moment do not lose increments. Returns the keys this failure locked.
 */
export async function recordFailure(deps: Deps, keys: string[]): Promise<string[]> {
  const now = deps.clock.now();
  const { windowSeconds, lockoutSeconds } = deps.settings.throttle;
  const windowStart = secondsFrom(deps.clock, -windowSeconds);
  // Dates inside raw SQL go as ISO text: postgres.js would send Date#toString(), which Postgres cannot parse.
  const stale = sql`${authThrottles.windowStartedAt} <= ${windowStart.toISOString()}::timestamptz`;
  const locked: string[] = [];
  for (const key of keys) {
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
    if (row && row.failures >= limitOf(deps, key)) {
      // The count starts afresh after the lockout, so the next burst is locked again just as fast.
      await deps.db
        .update(authThrottles)
        .set({ lockedUntil: secondsFrom(deps.clock, lockoutSeconds), failures: 0, windowStartedAt: now, updatedAt: now })
        .where(inArray(authThrottles.key, [key]));
      locked.push(key);
    }
  }
  if (Math.random() < 0.01) await forgetOld(deps);
  return locked;
}

/** A correct password clears the account's count (never the address's: one good account must not reset an attacker's budget). */
export async function clearAccountFailures(deps: Deps, email: string): Promise<void> {
  await deps.db.delete(authThrottles).where(inArray(authThrottles.key, [`account:${email}`]));
}

/** Rows that neither count nor lock any more. */
async function forgetOld(deps: Deps) {
  const { windowSeconds, lockoutSeconds } = deps.settings.throttle;
  await deps.db.delete(authThrottles).where(lt(authThrottles.updatedAt, secondsFrom(deps.clock, -Math.max(windowSeconds, lockoutSeconds))));
}
