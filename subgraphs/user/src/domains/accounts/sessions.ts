import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { appError, inUuids, transactionWithEvents, type Emit, notFound, orderBy, paginate, parseInput, requireViewer, z, id, type PageArgs, type Principal, type Role, type SortKey, type Viewer } from '@organoise/core';
import { and, count, eq, gt, isNull, lt, ne, sql } from 'drizzle-orm';
import { secondsFrom } from '../../clock.js';
import { memberships, refreshTokens, sessions } from '../../db/schema.js';
import type { Deps, UserServices } from '../../services.js';
import { audit } from '../audit/audit.js';
import { emitSessionsEnded } from './events.js';

export type SessionRow = typeof sessions.$inferSelect;
type Tx = Parameters<Parameters<UserServices['db']['transaction']>[0]>[0];

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
const newRefreshToken = () => randomBytes(32).toString('base64url');

/** How often last-seen is written: often enough for the idle timeout, rare enough to cost nothing. */
const LAST_SEEN_GRANULARITY_SECONDS = 60;

export interface IssuedSession {
  accessToken: string;
  expiresAt: Date;
  refreshToken: string;
  sessionId: string;
  userId: string;
  /** Set by the sign-ins that remember the device (signIn, signUp, completeOidcSignIn). */
  deviceToken?: string | null;
}

/** A session is live when not revoked and within both its absolute and its idle timeout. */
function live(deps: Pick<UserServices, 'clock' | 'settings'>) {
  const now = deps.clock.now();
  return and(
    isNull(sessions.revokedAt),
    gt(sessions.expiresAt, now),
    gt(sessions.lastSeenAt, secondsFrom(deps.clock, -deps.settings.sessionIdleSeconds)),
  );
}

/**
 * Opens a session for a user who just proved who they are, with its first refresh token. Pass
 * `tx` to open it inside the caller's transaction; the access token is signed after the
 * transaction (`issueSession`), since signing may reload keys through the pool.
 */
export async function openSession(
  deps: Deps,
  userId: string,
  tx: Tx | UserServices['db'] = deps.db,
  aal: 1 | 2 = 1,
): Promise<{ sessionId: string; refreshToken: string; userId: string; aal: 1 | 2 }> {
  const now = deps.clock.now();
  const sessionId = randomUUID();
  const refreshToken = newRefreshToken();
  await tx.insert(sessions).values({
    id: sessionId,
    userId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: secondsFrom(deps.clock, deps.settings.sessionTtlSeconds),
    ipAddress: deps.clientIp,
    // As the gateway passed it on (display only: the sessions list names the browser or app by it).
    userAgent: deps.userAgent ?? null,
    aal,
    secondFactorAt: aal === 2 ? now : null,
  });
  await tx.insert(refreshTokens).values({ id: randomUUID(), sessionId, tokenHash: hashSecret(refreshToken), createdAt: now });
  return { sessionId, refreshToken, userId, aal };
}

/** Signs the access token of an opened session. */
export async function issueSession(deps: Pick<UserServices, 'tokens'>, opened: { sessionId: string; refreshToken: string; userId: string; aal: 1 | 2 }): Promise<IssuedSession> {
  const { token, expiresAt } = await deps.tokens.sign(opened.userId, opened.sessionId, { aal: opened.aal });
  const { aal: _aal, ...rest } = opened;
  return { accessToken: token, expiresAt, ...rest };
}

type RefreshOutcome =
  | { kind: 'ok'; userId: string; sessionId: string; refreshToken: string; aal: 1 | 2 }
  | { kind: 'invalid' }
  | { kind: 'expired' }
  | { kind: 'reused'; userId: string; sessionId: string; revoked: boolean };

/**
 * A spent refresh token presented again this soon after its use, for the first time, is a second
 * tab (or a retry after a lost answer) that read the same token at the same moment, not a thief:
 * it gets a token of its own instead of ending the session.
 */
export const REFRESH_REUSE_GRACE_SECONDS = 10;

/**
 * Trades a refresh token for a new access token and a new refresh token. Each refresh token is
 * good once (and once more within REFRESH_REUSE_GRACE_SECONDS of that use): any other use means a
 * copy is in someone else's hands, so the whole session ends.
 */
export async function refreshSession(deps: Deps, rawToken: unknown): Promise<IssuedSession> {
  const token = parseInput(z.string().min(20).max(200), rawToken);
  const now = deps.clock.now();
  const outcome = await transactionWithEvents(deps.db, deps.bus, async (tx, emit): Promise<RefreshOutcome> => {
    const [row] = await tx
      .select({ tokenId: refreshTokens.id, usedAt: refreshTokens.usedAt, graceUsedAt: refreshTokens.graceUsedAt, session: sessions })
      .from(refreshTokens)
      .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
      .where(eq(refreshTokens.tokenHash, hashSecret(token)))
      .for('update');
    if (!row) return { kind: 'invalid' };
    const session = row.session;
    const inGrace = row.usedAt && !row.graceUsedAt && now.getTime() - row.usedAt.getTime() <= REFRESH_REUSE_GRACE_SECONDS * 1000;
    if (row.usedAt && !inGrace) {
      const revoked = await tx
        .update(sessions)
        .set({ revokedAt: now, revokedReason: 'refresh_token_reused' })
        .where(and(eq(sessions.id, session.id), isNull(sessions.revokedAt)))
        .returning({ id: sessions.id });
      await emitSessionsEnded(emit, { userId: session.userId, sessionIds: revoked.map((r) => r.id), reason: 'refresh_token_reused' });
      return { kind: 'reused', userId: session.userId, sessionId: session.id, revoked: revoked.length > 0 };
    }
    if (session.revokedAt) return { kind: 'invalid' };
    const idleSince = secondsFrom(deps.clock, -deps.settings.sessionIdleSeconds);
    if (session.expiresAt <= now || session.lastSeenAt <= idleSince) return { kind: 'expired' };
    const next = newRefreshToken();
    await tx.update(refreshTokens).set(inGrace ? { graceUsedAt: now } : { usedAt: now }).where(eq(refreshTokens.id, row.tokenId));
    await tx.insert(refreshTokens).values({ id: randomUUID(), sessionId: session.id, tokenHash: hashSecret(next), createdAt: now });
    await tx.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, session.id));
    return { kind: 'ok', userId: session.userId, sessionId: session.id, refreshToken: next, aal: session.aal === 2 ? 2 : 1 };
  });
  if (outcome.kind === 'invalid') throw appError('REFRESH_TOKEN_INVALID', 'This refresh token is not valid; sign in again');
  if (outcome.kind === 'expired') throw appError('SESSION_EXPIRED', 'The session has timed out; sign in again');
  if (outcome.kind === 'reused') {
    deps.log.warn('refresh token reused; session revoked', { sessionId: outcome.sessionId, userId: outcome.userId });
    await audit(deps, { type: 'REFRESH_TOKEN_REUSED', actorId: null, userId: outcome.userId, details: { sessionId: outcome.sessionId, sessionEnded: outcome.revoked } });
    throw appError('REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been ended for safety. Sign in again');
  }
  return issueSession(deps, outcome);
}

/**
 * Who a live session belongs to and their roles; null when revoked, timed out or unknown. Called
 * by the gateway for each session about once a second, so it also marks the session as seen.
 */
export async function principalForSession(deps: Pick<UserServices, 'db' | 'clock' | 'settings'>, sessionId: string, userId: string): Promise<Principal | null> {
  return (await principalsForSessions(deps, [{ sessionId, userId }])).get(sessionId) ?? null;
}

/** Most sessions the gateway may ask about in one call (PRINCIPALS_PATH). */
export const MAX_PRINCIPALS_PER_LOOKUP = 1000;

/**
 * principalForSession for many sessions at once, in three statements whatever their number: the
 * gateway batches its look-ups (every open subscription re-checks its session every few seconds,
 * so 10,000 sockets meant 5,000 single look-ups a second). Sessions that are not live, or do not
 * belong to the user named with them, are absent from the answer.
 */
export async function principalsForSessions(
  deps: Pick<UserServices, 'db' | 'clock' | 'settings'>,
  wanted: readonly { sessionId: string; userId: string }[],
): Promise<Map<string, Principal>> {
  const found = new Map<string, Principal>();
  if (wanted.length === 0) return found;
  // A session asked about under several user ids is answered for its own user only.
  const usersOf = new Map<string, Set<string>>();
  for (const w of wanted) (usersOf.get(w.sessionId) ?? usersOf.set(w.sessionId, new Set()).get(w.sessionId)!).add(w.userId);
  const rows = (
    await deps.db
      .select({ id: sessions.id, userId: sessions.userId, lastSeenAt: sessions.lastSeenAt })
      .from(sessions)
      .where(and(inUuids(sessions.id, [...usersOf.keys()]), live(deps)))
  ).filter((row) => usersOf.get(row.id)?.has(row.userId));
  if (rows.length === 0) return found;
  const now = deps.clock.now();
  const stale = rows.filter((row) => now.getTime() - row.lastSeenAt.getTime() >= LAST_SEEN_GRANULARITY_SECONDS * 1000).map((row) => row.id);
  if (stale.length > 0) {
    await deps.db
      .update(sessions)
      .set({ lastSeenAt: now })
      .where(and(inUuids(sessions.id, stale), lt(sessions.lastSeenAt, now)));
  }
  const userIds = [...new Set(rows.map((row) => row.userId))];
  const roles = await deps.db
    .select({ userId: memberships.userId, organizationId: memberships.organizationId, role: memberships.role })
    .from(memberships)
    .where(inUuids(memberships.userId, userIds));
  const byUser = new Map<string, Record<string, Role>>();
  for (const r of roles) (byUser.get(r.userId) ?? byUser.set(r.userId, {}).get(r.userId)!)[r.organizationId] = r.role as Role;
  for (const row of rows) found.set(row.id, { userId: row.userId, sessionId: row.id, memberships: { ...(byUser.get(row.userId) ?? {}) } });
  return found;
}

/** The caller's own live sessions, newest first. Nobody sees another person's sessions. */
export function listSessions(deps: Deps, userId: string, args: PageArgs) {
  const keys: SortKey<SessionRow>[] = [
    { column: sessions.createdAt, cast: 'timestamptz', direction: 'DESC', value: (r) => r.createdAt },
    { column: sessions.id, cast: 'uuid', direction: 'DESC', value: (r) => r.id },
  ];
  const where = and(eq(sessions.userId, userId), deps.viewer?.userId === userId ? live(deps) : sql`false`);
  return paginate({
    args,
    keys,
    fetch: (after, limit) => deps.db.select().from(sessions).where(and(where, after)).orderBy(...orderBy(keys)).limit(limit),
    count: async () => (await deps.db.select({ n: count() }).from(sessions).where(where))[0]?.n ?? 0,
  });
}

/** Ends one of the caller's sessions (the current one too); another person's session is NOT_FOUND. */
export async function revokeSession(deps: Deps, rawId: unknown): Promise<SessionRow> {
  const v = requireViewer(deps.viewer);
  const sessionId = parseInput(id(), rawId);
  const now = deps.clock.now();
  const revoked = await transactionWithEvents(deps.db, deps.bus, async (tx, emit) => {
    const [row] = await tx
      .update(sessions)
      .set({ revokedAt: now, revokedReason: 'revoked' })
      .where(and(eq(sessions.id, sessionId), eq(sessions.userId, v.userId), isNull(sessions.revokedAt)))
      .returning();
    if (row) await emitSessionsEnded(emit, { userId: v.userId, sessionIds: [row.id], reason: 'revoked' });
    return row;
  });
  if (revoked) {
    await audit(deps, { type: 'SESSION_REVOKED', userId: v.userId, details: { sessionId, current: sessionId === v.sessionId } });
    return revoked;
  }
  const [existing] = await deps.db.select().from(sessions).where(and(eq(sessions.id, sessionId), eq(sessions.userId, v.userId)));
  if (!existing) throw notFound('Session');
  return existing;
}

/** Ends the caller's current session. */
export async function signOut(deps: Deps): Promise<boolean> {
  const v = requireViewer(deps.viewer);
  const ended = await transactionWithEvents(deps.db, deps.bus, async (tx, emit) => {
    const rows = await tx
      .update(sessions)
      .set({ revokedAt: deps.clock.now(), revokedReason: 'signed_out' })
      .where(and(eq(sessions.id, v.sessionId), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    await emitSessionsEnded(emit, { userId: v.userId, sessionIds: rows.map((r) => r.id), reason: 'signed_out' });
    return rows;
  });
  if (ended.length > 0) await audit(deps, { type: 'SIGN_OUT', userId: v.userId, details: { sessionId: v.sessionId } });
  return true;
}

/**
 * Ends sessions of a user: all of them, or all but `keep`, with their `session.ended` event in the
 * same transaction (`emit` is that transaction's). Returns how many ended.
 */
export async function revokeUserSessions(deps: Pick<UserServices, 'clock'>, tx: Tx | UserServices['db'], emit: Emit, userId: string, reason: string, keep?: string): Promise<number> {
  const rows = await tx
    .update(sessions)
    .set({ revokedAt: deps.clock.now(), revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), keep ? ne(sessions.id, keep) : undefined))
    .returning({ id: sessions.id });
  await emitSessionsEnded(emit, { userId, sessionIds: rows.map((r) => r.id), reason });
  return rows.length;
}

/** Ends every session of the caller, this one included. */
export async function signOutEverywhere(deps: Deps): Promise<number> {
  const v = requireViewer(deps.viewer);
  const ended = await transactionWithEvents(deps.db, deps.bus, (tx, emit) => revokeUserSessions(deps, tx, emit, v.userId, 'signed_out_everywhere'));
  await audit(deps, { type: 'SIGNED_OUT_EVERYWHERE', userId: v.userId, details: { sessionsEnded: ended } });
  return ended;
}

export const isCurrentSession = (viewer: Viewer | null, session: SessionRow) => viewer?.sessionId === session.id;
