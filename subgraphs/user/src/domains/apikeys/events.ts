import type { Emit } from '@organoise/core';

/**
 * An organization's API keys that stopped working before their time (revoked by an admin, or by an
 * account claim that revoked what its creator set up). No subscription follows this stream; its
 * reader is the gateway, which ends at once the live subscriptions opened with the key
 * (docs/protocols/subscriptions.md, "Credential events"). Expiry is time, told by no event.
 */
export const apiKeysStream = (organizationId: string) => `user.org:${organizationId}:api-keys`;

export const API_KEY_REVOKED = 'api_key.revoked';

export interface ApiKeyRevokedPayload {
  apiKeyId: string;
  /** Who revoked it; null when an account claim did. */
  actorId: string | null;
}

export function emitApiKeyRevoked(emit: Emit, organizationId: string, payload: ApiKeyRevokedPayload) {
  return emit({ stream: apiKeysStream(organizationId), type: API_KEY_REVOKED, organizationId, payload: { ...payload } });
}
