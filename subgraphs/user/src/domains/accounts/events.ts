import type { Emit } from '@organoise/core';

/**
 * A person's sessions that ended (sign-out, revocation, a password change or reset, 2FA turned
 * on, an account claim, a reused refresh token). No subscription follows this stream; its reader
 * is the gateway, which re-checks at once the live subscriptions opened on that person's sessions
 * instead of polling every socket (docs/protocols/subscriptions.md, "Credential events"). It names
 * no organization: a session is the person's, in all of them.
 */
export const sessionsStream = (userId: string) => `user.user:${userId}:sessions`;

export const SESSION_ENDED = 'session.ended';

/** Ids only: which sessions ended, whose, and why (the revokedReason stored with them). */
export interface SessionEndedPayload {
  userId: string;
  sessionIds: string[];
  reason: string;
}

/** One event for the sessions one write ended; none when it ended none. */
export async function emitSessionsEnded(emit: Emit, payload: SessionEndedPayload): Promise<void> {
  if (payload.sessionIds.length === 0) return;
  await emit({ stream: sessionsStream(payload.userId), type: SESSION_ENDED, organizationId: null, payload: { ...payload, sessionIds: [...payload.sessionIds] } });
}
