import { and, eq, isNull } from 'drizzle-orm';
import type { Database, Emit } from '@organoise/core';
import { apiKeys, emailTokens, knownDevices, oidcIdentities, oidcLogins, recoveryCodes, totpFactors, users } from '../../db/schema.js';
import type { Deps } from '../../services.js';
import { emitApiKeyRevoked } from '../apikeys/events.js';
import { audit } from '../audit/audit.js';
import { revokeUserSessions } from './sessions.js';


/** How the mailbox's owner proved it: a provider that vouches for the address, or a mailed reset link. */
export type ClaimProof = 'oidc_verified_email' | 'password_reset';

/**
 * Someone just proved they receive mail at the address of an account nobody had proved before
 * (docs/decisions/0007-account-claim-and-lockout.md). Whoever set the account up may not be that
 * person (a pre-account takeover): every credential they did not prove goes — the password,
 * linked identities, second factors, recovery codes, API keys they created, known devices, links
 * in flight, other mailed tokens and every session. The account's data (organizations,
 * memberships) stays: it was made under the address the claimant now owns.
 *
 * Runs inside the caller's transaction (with its `emit`: the revoked keys' and ended sessions'
 * events), which also sets the new password or identity.
 */
export async function claimAccount(deps: Deps, tx: Database, emit: Emit, userId: string, proof: ClaimProof, keepEmailTokenId?: string): Promise<void> {
  const now = deps.clock.now();
  await tx.update(users).set({ passwordHash: null, emailVerifiedAt: now, updatedAt: now }).where(eq(users.id, userId));
  const identities = await tx.delete(oidcIdentities).where(eq(oidcIdentities.userId, userId)).returning({ id: oidcIdentities.id });
  await tx.delete(oidcLogins).where(eq(oidcLogins.linkUserId, userId));
  const factors = await tx.delete(totpFactors).where(eq(totpFactors.userId, userId)).returning({ userId: totpFactors.userId });
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  const keys = await tx
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.createdBy, userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id, organizationId: apiKeys.organizationId });
  for (const key of keys) await emitApiKeyRevoked(emit, key.organizationId, { apiKeyId: key.id, actorId: null });
  await tx.delete(knownDevices).where(eq(knownDevices.userId, userId));
  const tokens = await tx
    .update(emailTokens)
    .set({ usedAt: now })
    .where(and(eq(emailTokens.userId, userId), isNull(emailTokens.usedAt)))
    .returning({ id: emailTokens.id });
  const sessionsEnded = await revokeUserSessions(deps, tx, emit, userId, 'account_claimed');
  await audit(
    deps,
    {
      type: 'ACCOUNT_CLAIMED',
      actorId: null,
      userId,
      details: {
        proof,
        identitiesRemoved: identities.length,
        secondFactorRemoved: factors.length > 0,
        apiAccessRevoked: keys.length,
        mailedLinksVoided: tokens.filter((t) => t.id !== keepEmailTokenId).length,
        sessionsEnded,
      },
    },
    tx,
  );
}
