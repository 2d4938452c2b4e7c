import { verifyInternalToken } from '@organoise/core';
import { postGraphQL, TEST_INTERNAL_SECRET } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../src/index.js';
import { InternalTokens } from '../src/subgraphs.js';
import { startUserGraph, type UserGraph } from './harness.js';

// The lean HTTP path (gateway/src/transports/lean-http.ts) against Apollo Server's own pipeline: two real
// gateways over the user subgraph, one with `leanHttp: false`, must answer every request alike
// (status, content type, cache-control, body), refusals included.

let graph: UserGraph;
const pairs: Record<'dev' | 'prod' | 'limited', { lean: RunningGateway; apollo: RunningGateway }> = {} as never;

beforeAll(async () => {
  graph = await startUserGraph();
  const base = graph.gatewayOptions;
  const pair = async (options: Partial<typeof base>) => {
    const [lean, apollo] = await Promise.all([startGateway({ ...base, ...options }), startGateway({ ...base, ...options, leanHttp: false })]);
    return { lean, apollo };
  };
  pairs.dev = await pair({ protection: { limits: { depth: 4, tokens: 200 }, rateLimits: false } });
  pairs.prod = await pair({ production: true, protection: { rateLimits: false } });
  pairs.limited = await pair({ protection: { rateLimits: { ip: { points: 3, durationSeconds: 60 } } } });
});

afterAll(async () => {
  await Promise.all(Object.values(pairs).flatMap((p) => [p.lean?.close(), p.apollo?.close()]));
  await graph?.close();
});

async function answer(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    cacheControl: response.headers.get('cache-control'),
    retryAfter: response.headers.get('retry-after'),
    body: await response.text(),
  };
}

let signedUp = 0;
async function signUp(url: string) {
  const res = await postGraphQL(url, `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, {
    i: { email: `lean-${Date.now()}-${signedUp++}@example.com`, password: 'correct horse battery', name: 'Lean User' },
  });
  expect(res.errors).toBeUndefined();
  return res.data!.signUp.accessToken as string;
}

const REQUESTS: [string, string, Record<string, string>?][] = [
  ['a query', JSON.stringify({ query: '{ viewer { id } }' })],
  ['a query with variables and an operation name', JSON.stringify({ query: 'query A($id: ID!) { user(id: $id) { id } } query B { viewer { id } }', operationName: 'A', variables: { id: 'nope' } })],
  ['two operations without a name', JSON.stringify({ query: 'query A { viewer { id } } query B { viewer { id } }' })],
  ['variables of the wrong type', JSON.stringify({ query: 'query A($id: ID!) { user(id: $id) { id } }', variables: { id: { not: 'an id' } } })],
  ['a missing variable', JSON.stringify({ query: 'query A($id: ID!) { user(id: $id) { id } }' })],
  ['a syntax error', JSON.stringify({ query: '{ viewer { ' })],
  ['an unknown field (suggestions)', JSON.stringify({ query: '{ viewer { idd } }' })],
  ['introspection', JSON.stringify({ query: '{ __schema { queryType { name } } }' })],
  ['a document over the token cap', JSON.stringify({ query: `{ ${'viewer { id } '.repeat(80)} }` })],
  ['a mutation', JSON.stringify({ query: 'mutation { signOut }' })],
  ['a batch', JSON.stringify([{ query: '{ viewer { id } }' }])],
  ['invalid JSON', '{"query":'],
  ['a JSON string', '"{ viewer { id } }"'],
  ['an empty body', ''],
  ['no query', JSON.stringify({ variables: {} })],
  ['variables as a string', JSON.stringify({ query: '{ viewer { id } }', variables: '{}' })],
  ['an unknown persisted query', JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } })],
  ['a malformed Authorization header', JSON.stringify({ query: '{ viewer { id } }' }), { authorization: 'Basic abc' }],
  ['an invalid access token', JSON.stringify({ query: '{ viewer { id } }' }), { authorization: 'Bearer not.a.token' }],
  ['Accept: application/graphql-response+json', JSON.stringify({ query: '{ viewer { id } }' }), { accept: 'application/graphql-response+json' }],
  ['an Accept it cannot serve', JSON.stringify({ query: '{ viewer { id } }' }), { accept: 'text/plain' }],
];

describe('the lean HTTP path', () => {
  for (const mode of ['dev', 'prod'] as const) {
    for (const [name, body, headers] of REQUESTS) {
      it(`answers ${name} exactly as Apollo Server does (${mode})`, async () => {
        const { lean, apollo } = pairs[mode];
        // Twice: the second time the lean path serves the document it kept.
        for (let round = 0; round < 2; round++) {
          const [a, b] = await Promise.all([answer(lean.url, body, headers), answer(apollo.url, body, headers)]);
          expect(a).toEqual(b);
          expect(a.body).not.toContain('stacktrace');
        }
      });
    }
  }

  it("answers a signed-in viewer's query as Apollo Server does, with their identity", async () => {
    const { lean, apollo } = pairs.dev;
    const token = await signUp(lean.url);
    const body = JSON.stringify({ query: '{ viewer { id email } }' });
    const [a, b] = await Promise.all([answer(lean.url, body, { authorization: `Bearer ${token}` }), answer(apollo.url, body, { authorization: `Bearer ${token}` })]);
    expect(a).toEqual(b);
    expect(JSON.parse(a.body).data.viewer.email).toMatch(/^lean-/);
  });

  it('refuses a body over the size cap with 413 PAYLOAD_TOO_LARGE and a form body with 415, as before', async () => {
    const small = await startGateway({ ...graph.gatewayOptions, maxBodyBytes: 200, protection: { rateLimits: false } });
    try {
      const big = await answer(small.url, JSON.stringify({ query: `{ viewer { id } } # ${'x'.repeat(300)}` }));
      expect(big.status).toBe(413);
      expect(JSON.parse(big.body).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
      const form = await fetch(small.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query={viewer{id}}' });
      expect(form.status).toBe(415);
      expect(((await form.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    } finally {
      await small.close();
    }
  });

  it('charges the per-address rate limit on the lean path and answers 429 RATE_LIMITED with Retry-After', async () => {
    const { lean, apollo } = pairs.limited;
    const body = JSON.stringify({ query: '{ viewer { id } }' });
    for (const url of [lean.url, apollo.url]) {
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof answer>> | null = null;
      for (let i = 0; i < 4; i++) {
        last = await answer(url, body);
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(JSON.parse(last!.body).errors[0].extensions.code).toBe('RATE_LIMITED');
      expect(Number(last!.retryAfter)).toBeGreaterThan(0);
    }
  });
});

describe('internal tokens', () => {
  const viewer = { userId: 'u1', sessionId: 's1', memberships: { o1: 'ADMIN' as const } };

  it('reuses a signed token for the same subgraph, viewer, roles and address, and signs anew when the roles change', async () => {
    const tokens = new InternalTokens(TEST_INTERNAL_SECRET, 'workflow');
    const first = await tokens.get(viewer, '10.0.0.1');
    expect(await tokens.get({ ...viewer, memberships: { o1: 'ADMIN' } }, '10.0.0.1')).toBe(first);
    const demoted = await tokens.get({ ...viewer, memberships: { o1: 'VIEWER' } }, '10.0.0.1');
    const verified = await verifyInternalToken(TEST_INTERNAL_SECRET, 'workflow', demoted);
    expect(verified).toMatchObject({ ok: true, viewer: { userId: 'u1', memberships: { o1: 'VIEWER' } }, clientIp: '10.0.0.1' });
  });

  it('never hands one viewer, address or subgraph the token of another', async () => {
    const tokens = new InternalTokens(TEST_INTERNAL_SECRET, 'workflow');
    await tokens.get(viewer, '10.0.0.1');
    const other = await verifyInternalToken(TEST_INTERNAL_SECRET, 'workflow', await tokens.get({ ...viewer, userId: 'u2' }, '10.0.0.1'));
    expect(other).toMatchObject({ ok: true, viewer: { userId: 'u2' } });
    const elsewhere = await verifyInternalToken(TEST_INTERNAL_SECRET, 'workflow', await tokens.get(viewer, '10.0.0.2'));
    expect(elsewhere).toMatchObject({ ok: true, clientIp: '10.0.0.2' });
    const anonymous = await verifyInternalToken(TEST_INTERNAL_SECRET, 'workflow', await tokens.get(null, '10.0.0.1'));
    expect(anonymous).toMatchObject({ ok: true, viewer: null });
    expect(await verifyInternalToken(TEST_INTERNAL_SECRET, 'file', await tokens.get(viewer, '10.0.0.1'))).toMatchObject({ ok: false });
  });
});
