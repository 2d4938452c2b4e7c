import { ACCESS_TOKEN_AUDIENCE } from '@organoise/core';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { PUBLISH_AHEAD_SECONDS } from '../src/domains/accounts/tokens.js';
import { ManualClock } from '../src/index.js';
import { useUserSubgraph } from './support/subgraph.js';

// Signing-key rotation, on a clock the test moves.
const TTL = 600;
const DAY = 86_400;
const clock = new ManualClock(new Date('2033-01-01T00:00:00Z'));

const subgraph = useUserSubgraph({
  tokens: { issuer: 'organoise-test', ttlSeconds: TTL, rotationDays: 30 },
  sessionTtlSeconds: 90 * DAY,
  sessionIdleSeconds: 90 * DAY,
  clock,
});

let counter = 0;
async function freshToken(): Promise<string> {
  const res = await subgraph.call(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, {
    i: { email: `keys-${Date.now()}-${counter++}@example.com`, password: 'correct horse battery', name: 'Kim' },
  });
  expect(res.errors).toBeUndefined();
  return res.data!.signUp.accessToken;
}

const jwks = async () => (await (await fetch(new URL('/.well-known/jwks.json', subgraph.server.url))).json()) as JSONWebKeySet;
const kids = async () => (await jwks()).keys.map((k) => k.kid);
const kidOf = (token: string) => decodeProtectedHeader(token).kid!;
const verifiable = async (token: string) =>
  jwtVerify(token, createLocalJWKSet(await jwks()), { issuer: 'organoise-test', audience: ACCESS_TOKEN_AUDIENCE, algorithms: ['ES256'], currentDate: clock.now() }).then(
    () => true,
    () => false,
  );

describe('signing-key rotation', () => {
  it('replaces a key older than the rotation age, publishing the new key before it signs and the old one until its last token expires', async () => {
    const first = await freshToken();
    const oldKid = kidOf(first);
    expect(await kids()).toEqual([oldKid]);
    expect(decodeJwt(first).aal).toBe(1);

    clock.advance(31 * DAY);
    // The reload after a minute notices the age and adds a key; the old key keeps signing until the new one has been published a while.
    const justAfter = await freshToken();
    const all = await kids();
    expect(all).toHaveLength(2);
    const newKid = all.find((k) => k !== oldKid)!;
    expect(kidOf(justAfter)).toBe(oldKid);

    clock.advance(PUBLISH_AHEAD_SECONDS);
    await subgraph.server.services.tokens.refresh();
    const later = await freshToken();
    expect(kidOf(later)).toBe(newKid);
    expect(await verifiable(justAfter)).toBe(true);
    expect(await verifiable(later)).toBe(true);

    // The old key stays published while a token it signed may still be valid, then is retired.
    clock.advance(TTL);
    await subgraph.server.services.tokens.refresh();
    expect(await kids()).toEqual([oldKid, newKid]);
    clock.advance(60);
    await subgraph.server.services.tokens.refresh();
    expect(await kids()).toEqual([newKid]);
    expect(await verifiable(await freshToken())).toBe(true);
  });

  it('rotates on demand through the internal method, keeping the current key published', async () => {
    const before = await kids();
    const kid = await subgraph.server.services.tokens.rotate();
    expect(await kids()).toEqual([...before, kid]);
    expect(kidOf(await freshToken())).not.toBe(kid);
    clock.advance(PUBLISH_AHEAD_SECONDS);
    await subgraph.server.services.tokens.refresh();
    expect(kidOf(await freshToken())).toBe(kid);
  });
});
