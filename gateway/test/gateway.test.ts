import { INTERNAL_TOKEN_HEADER, signInternalToken } from '@organoise/core';
import { codesOf, postGraphQL, TEST_INTERNAL_SECRET } from '@organoise/core/testing';
import { TokenIssuer } from '@organoise/subgraph-user/tokens';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../src/index.js';
import { startUserGraph, TEST_ISSUER as ISSUER, type UserGraph } from './harness.js';

// The gateway alone, over a graph of just the user subgraph: identity and request handling.
// The four-subgraph graph is exercised in e2e/.
let graph: UserGraph;
let gateway: RunningGateway;

beforeAll(async () => {
  graph = await startUserGraph();
  gateway = await startGateway(graph.gatewayOptions);
});

afterAll(async () => {
  await gateway?.close();
  await graph?.close();
});

let n = 0;
async function signUp() {
  const email = `gw-${Date.now()}-${n++}@example.com`;
  const res = await postGraphQL(gateway.url, `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, {
    i: { email, password: 'correct horse battery', name: 'Gateway User' },
  });
  expect(res.errors).toBeUndefined();
  return { token: res.data!.signUp.accessToken as string, id: res.data!.signUp.user.id as string };
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('gateway identity', () => {
  it('serves an anonymous request with no viewer', async () => {
    const res = await postGraphQL(gateway.url, `{ viewer { id } }`);
    expect(res).toMatchObject({ status: 200, data: { viewer: null } });
  });

  it('resolves the viewer from a valid access token', async () => {
    const { token, id } = await signUp();
    const res = await postGraphQL(gateway.url, `{ viewer { id } }`, {}, bearer(token));
    expect(res.data).toEqual({ viewer: { id } });
  });

  it('refuses a tampered token with 401 UNAUTHENTICATED', async () => {
    const { token } = await signUp();
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.${s}`;
    const res = await postGraphQL(gateway.url, `{ viewer { id } }`, {}, bearer(forged));
    expect(res.status).toBe(401);
    expect(codesOf(res)).toEqual(['UNAUTHENTICATED']);
  });

  it("refuses an `alg: none` token", async () => {
    const { token } = await signUp();
    const payload = token.split('.')[1];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const res = await postGraphQL(gateway.url, `{ viewer { id } }`, {}, bearer(none));
    expect(res.status).toBe(401);
    expect(codesOf(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses an HS256 token signed with the public key or any shared secret', async () => {
    const { token } = await signUp();
    const claims = decodeJwt(token);
    const hs = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(TEST_INTERNAL_SECRET));
    const res = await postGraphQL(gateway.url, `{ viewer { id } }`, {}, bearer(hs));
    expect(res.status).toBe(401);
  });

  it('refuses an expired token, saying so', async () => {
    const { id } = await signUp();
    const expiredIssuer = new TokenIssuer(graph.user.services.db, { issuer: ISSUER, ttlSeconds: -120 });
    await expiredIssuer.init();
    const { token } = await expiredIssuer.sign(id, '00000000-0000-4000-8000-000000000001');
    const res = await postGraphQL(gateway.url, `{ viewer { id } }`, {}, bearer(token));
    expect(res.status).toBe(401);
    expect(codesOf(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.errors![0]!.message).toMatch(/expired/);
  });

  it('takes the Bearer scheme in any case, as HTTP auth schemes are case-insensitive', async () => {
    const { token, id } = await signUp();
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const res = await postGraphQL(gateway.url, `{ viewer { id } }`, {}, { authorization: `${scheme} ${token}` });
      expect(res.errors, scheme).toBeUndefined();
      expect(res.data).toEqual({ viewer: { id } });
    }
  });

  it('answers several operations without an operationName, or an unknown one, with 400 OPERATION_RESOLUTION_FAILURE (was 500)', async () => {
    const query = 'query A { viewer { id } } query B { viewer { id } }';
    for (const operationName of [undefined, 'C']) {
      const res = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, ...(operationName ? { operationName } : {}) }) });
      expect(res.status, String(operationName)).toBe(400);
      expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors.map((e) => e.extensions.code)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    }
    const chosen = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, operationName: 'B' }) });
    expect(chosen.status).toBe(200);
  });

  it('refuses a malformed Authorization header', async () => {
    const res = await postGraphQL(gateway.url, `{ viewer { id } }`, {}, { authorization: 'Basic abc' });
    expect(res.status).toBe(401);
    expect(codesOf(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('ignores an identity header sent by a client: only the gateway speaks for a viewer', async () => {
    const victim = await signUp();
    const forged = await signInternalToken(TEST_INTERNAL_SECRET, 'user', { userId: victim.id, sessionId: 'x', memberships: {} });
    const res = await postGraphQL(gateway.url, `{ viewer { id } }`, {}, { [INTERNAL_TOKEN_HEADER]: forged });
    expect(res.data).toEqual({ viewer: null });
  });

  it('stops honouring a token once its session is signed out, despite the principal cache', async () => {
    const { token } = await signUp();
    expect((await postGraphQL(gateway.url, `{ viewer { id } }`, {}, bearer(token))).status).toBe(200);
    const out = await postGraphQL(gateway.url, `mutation { signOut }`, {}, bearer(token));
    expect(out.data).toEqual({ signOut: true });
    const after = await postGraphQL(gateway.url, `{ viewer { id } }`, {}, bearer(token));
    expect(after.status).toBe(401);
    expect(codesOf(after)).toEqual(['UNAUTHENTICATED']);
  });

  it('sees an organization created a moment ago (roles are refreshed after a mutation)', async () => {
    const { token } = await signUp();
    const created = await postGraphQL(gateway.url, `mutation { createOrganization(input: { name: "Fresh", slug: "fresh-${Date.now()}" }) { id } }`, {}, bearer(token));
    const id = created.data!.createOrganization.id;
    const res = await postGraphQL(gateway.url, `query($id: ID!) { organization(id: $id) { viewerRole } }`, { id }, bearer(token));
    expect(res.data).toEqual({ organization: { viewerRole: 'OWNER' } });
  });
});

describe('gateway requests', () => {
  it('passes catalogued subgraph error codes through unchanged', async () => {
    const { token } = await signUp();
    const res = await postGraphQL(gateway.url, `query($id: ID!) { organization(id: $id) { name } }`, { id: '00000000-0000-4000-8000-0000000000aa' }, bearer(token));
    expect(codesOf(res)).toEqual(['NOT_FOUND']);
  });

  it('answers invalid operations with GRAPHQL_VALIDATION_FAILED and no stack trace', async () => {
    const res = await postGraphQL(gateway.url, `{ viewer { nope } }`);
    expect(res.status).toBe(400);
    expect(codesOf(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(res)).not.toContain('stacktrace');
  });

  it('refuses a body over the size cap with 413 PAYLOAD_TOO_LARGE', async () => {
    const small = await startGateway({
      ...graph.gatewayOptions,
      identity: null,
      maxBodyBytes: 2048,
    });
    try {
      const res = await postGraphQL(small.url, `{ viewer { id } }`, { pad: 'x'.repeat(5000) });
      expect(res.status).toBe(413);
      expect(codesOf(res)).toEqual(['PAYLOAD_TOO_LARGE']);
    } finally {
      await small.close();
    }
  });

  it('reports health and readiness', async () => {
    const base = new URL('/', gateway.url);
    expect((await fetch(new URL('/healthz', base))).status).toBe(200);
    const ready = await fetch(new URL('/readyz', base));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', subgraphs: { user: 'ok' } });
  });
});
