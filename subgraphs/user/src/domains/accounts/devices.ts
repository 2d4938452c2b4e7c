import { randomBytes, randomUUID } from 'node:crypto';
import { and, desc, eq, gt, inArray } from 'drizzle-orm';
import { secondsFrom } from '../../clock.js';
import { knownDevices } from '../../db/schema.js';
import type { Deps, UserServices } from '../../services.js';
import { hashSecret } from './sessions.js';

type Tx = Parameters<Parameters<UserServices['db']['transaction']>[0]>[0];

/** A device stays known this long after its last sign-in. */
export const KNOWN_DEVICE_TTL_SECONDS = 180 * 86_400;
/** Older devices beyond this many per account are forgotten. */
const MAX_DEVICES_PER_USER = 20;

export interface KnownDevice {
  id: string;
  userId: string;
}

/** The device a token stands for, if it is known and unexpired; anything else is no device (never an error). */
export async function knownDevice(deps: Pick<Deps, 'db' | 'clock'>, token: string | null | undefined): Promise<KnownDevice | null> {
  if (!token) return null;
  const [row] = await deps.db
    .select({ id: knownDevices.id, userId: knownDevices.userId })
    .from(knownDevices)
    .where(and(eq(knownDevices.tokenHash, hashSecret(token)), gt(knownDevices.expiresAt, deps.clock.now())));
  return row ?? null;
}

/**
 * Remembers the device that just signed in (replacing the token it came with, if any) and
 * returns the new token, which the client keeps and sends with its next sign-in.
 */
export async function rememberDevice(deps: Pick<Deps, 'db' | 'clock'>, userId: string, previous: KnownDevice | null, tx: Tx | Deps['db'] = deps.db): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  if (previous && previous.userId === userId) await tx.delete(knownDevices).where(eq(knownDevices.id, previous.id));
  await tx.insert(knownDevices).values({ id: randomUUID(), userId, tokenHash: hashSecret(token), createdAt: now, expiresAt: secondsFrom(deps.clock, KNOWN_DEVICE_TTL_SECONDS) });
  const kept = await tx.select({ id: knownDevices.id }).from(knownDevices).where(eq(knownDevices.userId, userId)).orderBy(desc(knownDevices.createdAt)).offset(MAX_DEVICES_PER_USER);
  if (kept.length > 0) await tx.delete(knownDevices).where(inArray(knownDevices.id, kept.map((k) => k.id)));
  return token;
}
