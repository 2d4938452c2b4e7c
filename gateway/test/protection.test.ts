import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { codesOf, postGraphQL, testEnv, type GraphQLResponse } from '@organoise/core/testing';
import { buildSchema, parse } from 'graphql';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayOptions, type RunningGateway } from '../src/index.js';
import { startUserGraph, type UserGraph } from './harness.js';
import {
  addressKey,
  checkOperation,
  DEFAULT_OPERATION_LIMITS,
  DEFAULT_SAFELIST_PATH,
  parseOperation,
  sha256,
  type PersistedQueryManifest,
} from '../src/protection/index.js';

// Each attack on the gateway's protection layer, against real gateways over the user subgraph:
// refused with a catalogued code, and nothing changed (a refused sign-up leaves no account behind).
const LIMITS = { depth: 6, aliases: 5, directives: 5, tokens: 400, cost: 2000 };

let graph: UserGraph;
let base: GatewayOptions;
/** Development mode, tight limits, the committed safelist loaded but not enforced, no rate limits. */
let dev: RunningGateway;
/** Production mode, safelist off, no rate limits. */
let prod: RunningGateway;
/** Production mode enforcing the committed safelist. */
let safelisted: RunningGateway;
const extras: RunningGateway[] = [];

beforeAll(async () => {
  graph = await startUserGraph();
  base = graph.gatewayOptions;
  [dev, prod, safelisted] = await Promise.all([
    startGateway({ ...base, protection: { limits: LIMITS, safelist: { mode: 'off', path: DEFAULT_SAFELIST_PATH }, rateLimits: false } }),
    startGateway({ ...base, production: true, protection: { safelist: { mode: 'off' }, rateLimits: false } }),
    startGateway({ ...base, production: true, protection: { safelist: { mode: 'enforce' }, rateLimits: false } }),
  ]);
});

afterAll(async () => {
  await Promise.all([dev, prod, safelisted, ...extras].map((g) => g?.close()));
  await graph?.close();
});

async function startExtra(options: Partial<GatewayOptions>) {
  const gateway = await startGateway({ ...base, ...options });
  extras.push(gateway);
  return gateway;
}

interface RawResponse extends GraphQLResponse {
  headers: Headers;
}

/** Sends any request to a gateway and reads the GraphQL answer with its headers. */
async function send(url: string | URL, init: RequestInit = {}): Promise<RawResponse> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, ...JSON.parse(text) };
}

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  send(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

let n = 0;
const newEmail = () => `protect-${Date.now()}-${n++}@example.com`;
const PASSWORD = 'correct horse battery';
const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`;
const signUpInput = (email: string) => ({ email, password: PASSWORD, name: 'Protected' });
const literalSignUp = (email: string, alias = '') => `${alias}signUp(input: { email: "${email}", password: "${PASSWORD}", name: "Protected" }) { accessToken }`;

async function signUp(gateway: RunningGateway = dev) {
  const res = await postGraphQL(gateway.url, SIGN_UP, { i: signUpInput(newEmail()) });
  expect(res.errors).toBeUndefined();
  return res.data!.signUp.accessToken as string;
}

/** The proof that a refused sign-up changed nothing: the account does not exist. */
async function expectNoAccount(email: string) {
  const res = await postGraphQL(dev.url, `mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email, password: PASSWORD } });
  expect(codesOf(res)).toEqual(['INVALID_CREDENTIALS']);
}

const limitOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions?.limit;

describe('operation limits', () => {
  it('refuses an alias overload with 400 OPERATION_TOO_COMPLEX, without telling the limit, and runs none of it', async () => {
    const emails = Array.from({ length: LIMITS.aliases + 1 }, newEmail);
    const res = await postGraphQL(dev.url, `mutation { ${emails.map((e, i) => literalSignUp(e, `a${i}: `)).join(' ')} }`);
    expect(res.status).toBe(400);
    expect(codesOf(res)).toEqual(['OPERATION_TOO_COMPLEX']);
    expect(limitOf(res)).toBe('aliases');
    expect(res.errors![0]!.message).not.toMatch(/\d/);
    expect(res.data).toBeUndefined();
    await expectNoAccount(emails[0]!);
  });

  it('accepts an operation within every limit', async () => {
    const res = await postGraphQL(dev.url, `{ a: viewer { id } b: viewer { id } viewer { memberships { nodes { organization { id } } } } }`);
    expect(res).toMatchObject({ status: 200, data: { a: null, b: null, viewer: null } });
  });

  it('refuses an operation nested deeper than the limit', async () => {
    const res = await postGraphQL(dev.url, `{ viewer { memberships { nodes { organization { members { nodes { user { id } } } } } } } }`);
    expect(res.status).toBe(400);
    expect(codesOf(res)).toEqual(['OPERATION_TOO_COMPLEX']);
    expect(limitOf(res)).toBe('depth');
  });

  it('counts depth through fragments', async () => {
    const res = await postGraphQL(
      dev.url,
      `query { viewer { ...A } }
       fragment A on User { memberships { nodes { ...B } } }
       fragment B on Membership { organization { members { nodes { ...C } } } }
       fragment C on Membership { user { id } }`,
    );
    expect(res.status).toBe(400);
    expect(codesOf(res)).toEqual(['OPERATION_TOO_COMPLEX']);
    expect(limitOf(res)).toBe('depth');
  });

  it('refuses circular fragments, directly or through another fragment', async () => {
    for (const query of [
      `query { viewer { ...A } } fragment A on User { memberships { nodes { user { ...A } } } }`,
      `query { viewer { ...A } } fragment A on User { memberships { nodes { ...B } } } fragment B on Membership { user { ...A } }`,
    ]) {
      const res = await postGraphQL(dev.url, query);
      expect(res.status).toBe(400);
      expect(codesOf(res)).toContain('GRAPHQL_VALIDATION_FAILED');
      expect(res.errors!.map((e) => e.message).join('\n')).toMatch(/Cannot spread fragment "A" within itself/);
    }
  });

  it('refuses a directive overload and runs nothing', async () => {
    const email = newEmail();
    const directives = ' @include(if: true)'.repeat(LIMITS.directives + 1);
    const res = await postGraphQL(dev.url, `mutation { signUp(input: { email: "${email}", password: "${PASSWORD}", name: "D" })${directives} { accessToken } }`);
    expect(res.status).toBe(400);
    expect(codesOf(res)[0]).toBe('OPERATION_TOO_COMPLEX');
    expect(limitOf(res)).toBe('directives');
    await expectNoAccount(email);
  });

  it('refuses a document with too many tokens while parsing it', async () => {
    const res = await postGraphQL(dev.url, `{ ${'__typename '.repeat(LIMITS.tokens)} }`);
    expect(res.status).toBe(400);
    expect(codesOf(res)).toEqual(['OPERATION_TOO_COMPLEX']);
    expect(limitOf(res)).toBe('tokens');
    expect(res.errors![0]!.message).not.toMatch(/\d/);
  });

  it('refuses an operation over the cost limit (large pages inside large pages)', async () => {
    const res = await postGraphQL(dev.url, `{ viewer { memberships(first: 100) { nodes { organization { members(first: 100) { totalCount } } } } } }`);
    expect(res.status).toBe(400);
    expect(codesOf(res)).toEqual(['OPERATION_TOO_COMPLEX']);
    expect(limitOf(res)).toBe('cost');
  });

  it('lets every client operation in schema/safelist.json through the default limits', () => {
    const schema = buildSchema(readFileSync(new URL('../../schema/api.graphql', import.meta.url), 'utf8'));
    const manifest = JSON.parse(readFileSync(DEFAULT_SAFELIST_PATH, 'utf8')) as PersistedQueryManifest;
    expect(manifest.operations.length).toBeGreaterThan(0);
    for (const operation of manifest.operations) {
      const document = parseOperation(operation.body, DEFAULT_OPERATION_LIMITS);
      expect(checkOperation(schema, document, { limits: DEFAULT_OPERATION_LIMITS, introspection: false }), operation.name).toEqual([]);
    }
  });

  it('gives another transport (WebSockets) the same refusals through parseOperation and checkOperation', () => {
    const schema = buildSchema(readFileSync(new URL('../../schema/api.graphql', import.meta.url), 'utf8'));
    const options = { limits: LIMITS, introspection: false };
    expect(() => parseOperation(`{ ${'__typename '.repeat(LIMITS.tokens)} }`, LIMITS)).toThrowError(
      expect.objectContaining({ extensions: { code: 'OPERATION_TOO_COMPLEX', limit: 'tokens' } }),
    );
    const deep = checkOperation(schema, parse(`{ viewer { memberships { nodes { organization { members { nodes { user { id } } } } } } } }`), options);
    expect(deep.map((e) => e.extensions)).toEqual([{ code: 'OPERATION_TOO_COMPLEX', limit: 'depth' }]);
    const introspection = checkOperation(schema, parse(`{ __schema { types { name } } }`), options);
    expect(introspection.map((e) => e.extensions.code)).toEqual(['INTROSPECTION_DISABLED']);
  });
});

describe('batches', () => {
  it('refuses a JSON array of operations with 400 BATCH_NOT_ALLOWED and runs none of them', async () => {
    const emails = [newEmail(), newEmail()];
    const res = await postJson(
      dev.url,
      emails.map((email) => ({ query: SIGN_UP, variables: { i: signUpInput(email) } })),
    );
    expect(res.status).toBe(400);
    expect(codesOf(res)).toEqual(['BATCH_NOT_ALLOWED']);
    for (const email of emails) await expectNoAccount(email);
  });
});

describe('slow requests', () => {
  it('answers a request whose body never finishes arriving with 408 and closes it, rather than holding the socket for minutes', async () => {
    const gateway = await startExtra({ requestTimeoutMs: 1000, protection: { rateLimits: false } });
    const { port } = new URL(gateway.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    const closed = new Promise<number>((resolve) => {
      const started = Date.now();
      socket.on('close', () => resolve(Date.now() - started));
    });
    // Headers promising a body, then only its first byte: a slow-loris client.
    socket.write(`POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`);
    const after = await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    // Generous on a busy machine; Node's default would have been 300 s.
    expect(after).toBeLessThan(60_000);
  });
});

describe('cross-site request forgery', () => {
  const formBodies: [string, (email: string) => { body: RequestInit['body']; headers?: Record<string, string> }][] = [
    ['form-encoded', (email) => ({ body: new URLSearchParams({ query: SIGN_UP, variables: JSON.stringify({ i: signUpInput(email) }) }) })],
    ['multipart', (email) => {
      const form = new FormData();
      form.set('query', SIGN_UP);
      form.set('variables', JSON.stringify({ i: signUpInput(email) }));
      return { body: form };
    }],
    ['text/plain', (email) => ({ body: JSON.stringify({ query: SIGN_UP, variables: { i: signUpInput(email) } }), headers: { 'content-type': 'text/plain' } })],
    ['untyped', (email) => ({ body: new Blob([JSON.stringify({ query: SIGN_UP, variables: { i: signUpInput(email) } })]) })],
  ];

  it.each(formBodies)('refuses a %s POST unread with 415 UNSUPPORTED_MEDIA_TYPE, even with a preflight header, and creates nothing', async (_kind, make) => {
    for (const preflight of [{}, { 'apollo-require-preflight': 'true' }] as Record<string, string>[]) {
      const email = newEmail();
      const { body, headers } = make(email);
      const res = await send(dev.url, { method: 'POST', body, headers: { ...headers, ...preflight } });
      expect(res.status).toBe(415);
      expect(codesOf(res)).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
      await expectNoAccount(email);
    }
  });

  it('refuses a mutation over GET with 405, with or without a preflight header, and creates nothing', async () => {
    const email = newEmail();
    const url = new URL(dev.url);
    url.searchParams.set('query', `mutation { ${literalSignUp(email)} }`);
    const simple = await send(url);
    expect(simple.status).toBe(405);
    expect(codesOf(simple)).toEqual(['BAD_REQUEST']);
    const preflighted = await send(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(preflighted.status).toBe(405);
    expect(preflighted.headers.get('allow')).toBe('POST');
    expect(codesOf(preflighted)).toEqual(['BAD_REQUEST']);
    await expectNoAccount(email);
  });

  it('serves a query over GET with or without a preflight header (urql sends none): no credential is ambient (docs/decisions/0006)', async () => {
    const url = new URL(dev.url);
    url.searchParams.set('query', '{ __typename }');
    for (const headers of [{ 'apollo-require-preflight': 'true' }, {}] as Record<string, string>[]) {
      const res = await send(url, { headers });
      expect(res).toMatchObject({ status: 200, data: { __typename: 'Query' } });
    }
  });
});

describe('production mode', () => {
  it('refuses introspection with 400 INTROSPECTION_DISABLED', async () => {
    for (const query of [`{ __schema { types { name } } }`, `{ __type(name: "User") { fields { name } } }`]) {
      const res = await postGraphQL(prod.url, query);
      expect(res.status).toBe(400);
      expect(codesOf(res)).toEqual(['INTROSPECTION_DISABLED']);
    }
    expect((await postGraphQL(prod.url, `{ __typename }`)).data).toEqual({ __typename: 'Query' });
  });

  it('serves introspection in development, and in production only when explicitly enabled', async () => {
    expect((await postGraphQL(dev.url, `{ __schema { queryType { name } } }`)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const open = await startExtra({ production: true, introspection: true, protection: { rateLimits: false, safelist: { mode: 'off' } } });
    expect((await postGraphQL(open.url, `{ __schema { queryType { name } } }`)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('answers field-suggestion probing without suggestions', async () => {
    const probes = [`{ viewer { nme } }`, `mutation { signUp(input: { emial: "a@b.c", password: "x", name: "y" }) { accessToken } }`];
    for (const probe of probes) {
      const inDev = await postGraphQL(dev.url, probe);
      expect(inDev.errors!.map((e) => e.message).join('\n')).toMatch(/Did you mean/);
      const inProd = await postGraphQL(prod.url, probe);
      expect(inProd.status).toBe(400);
      expect(codesOf(inProd)).toContain('GRAPHQL_VALIDATION_FAILED');
      expect(JSON.stringify(inProd)).not.toMatch(/Did you mean/);
    }
  });

  it('sends no stack traces with any refusal', async () => {
    const answers = await Promise.all([
      postGraphQL(prod.url, `{ viewer { nope } }`),
      postGraphQL(prod.url, `{ viewer {`),
      postGraphQL(prod.url, `{ viewer { id } }`, {}, { authorization: 'Bearer not.a.token' }),
      postGraphQL(prod.url, `query($n: Int!) { __typename }`, { n: 'x' }),
    ]);
    for (const answer of answers) {
      expect(answer.errors?.length).toBeGreaterThan(0);
      expect(JSON.stringify(answer)).not.toMatch(/stacktrace|\.ts:\d|node_modules|\n\s+at /);
    }
  });
});

describe('persisted-operation safelist', () => {
  const manifest = JSON.parse(readFileSync(DEFAULT_SAFELIST_PATH, 'utf8')) as PersistedQueryManifest;
  const listed = (name: string) => manifest.operations.find((o) => o.name === name)!;
  const byId = (name: string, variables: Record<string, unknown> = {}) => ({
    variables,
    extensions: { persistedQuery: { version: 1, sha256Hash: listed(name).id } },
  });

  it('runs a listed mutation sent by id alone', async () => {
    const email = newEmail();
    const res = await postJson(safelisted.url, byId('SignUp', { input: signUpInput(email) }));
    expect(res.status).toBe(200);
    expect(res.data!.signUp.accessToken).toEqual(expect.any(String));
    const signIn = await postJson(safelisted.url, byId('SignIn', { input: { email, password: PASSWORD } }));
    expect(signIn.data!.signIn.accessToken).toEqual(expect.any(String));
  });

  it('runs a listed operation sent verbatim', async () => {
    const res = await postJson(safelisted.url, { query: listed('Viewer').body });
    expect(res).toMatchObject({ status: 200, data: { viewer: null } });
  });

  it('serves a listed query by id over GET', async () => {
    const url = new URL(safelisted.url);
    url.searchParams.set('extensions', JSON.stringify(byId('Viewer').extensions));
    const res = await send(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res).toMatchObject({ status: 200, data: { viewer: null } });
  });

  it('refuses an operation not in the list with 400 OPERATION_NOT_ALLOWED and runs nothing', async () => {
    const email = newEmail();
    const res = await postJson(safelisted.url, { query: SIGN_UP, variables: { i: signUpInput(email) } });
    expect(res.status).toBe(400);
    expect(codesOf(res)).toEqual(['OPERATION_NOT_ALLOWED']);
    await expectNoAccount(email);
  });

  it('refuses a listed operation changed by one character, an unknown id, and introspection', async () => {
    const refusals = await Promise.all([
      postJson(safelisted.url, { query: `${listed('Viewer').body} ` }),
      postJson(safelisted.url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ __typename }') } } }),
      postJson(safelisted.url, { query: `{ __schema { types { name } } }` }),
    ]);
    for (const res of refusals) {
      expect(res.status).toBe(400);
      expect(codesOf(res)).toEqual(['OPERATION_NOT_ALLOWED']);
    }
  });

  it('cannot be extended by registering an operation with its hash', async () => {
    const query = `{ viewer { id } }`;
    const register = await postJson(safelisted.url, { query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } });
    expect(codesOf(register)).toEqual(['OPERATION_NOT_ALLOWED']);
    // Not enforcing: the operation runs, but is not remembered under its hash.
    const open = await postJson(dev.url, { query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } });
    expect(open.data).toEqual({ viewer: null });
    const byHash = await postJson(dev.url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } });
    expect(codesOf(byHash)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const listedById = await postJson(dev.url, byId('Viewer'));
    expect(listedById.data).toEqual({ viewer: null });
  });
});

describe('rate limits', () => {
  const typename = (gateway: RunningGateway, headers: Record<string, string> = {}) => postJson(gateway.url, { query: '{ __typename }' }, headers);

  function expectRateLimited(res: RawResponse, windowSeconds: number) {
    expect(res.status).toBe(429);
    expect(codesOf(res)).toEqual(['RATE_LIMITED']);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
    expect(res.errors![0]!.extensions!.retryAfterSeconds).toBe(retryAfter);
  }

  it('answers 429 RATE_LIMITED with Retry-After once an address has spent its budget, and runs nothing', async () => {
    const limited = await startExtra({ protection: { rateLimits: { ip: { points: 3, durationSeconds: 60 } } } });
    for (let i = 0; i < 3; i++) expect((await typename(limited)).status).toBe(200);
    expectRateLimited(await typename(limited), 60);
    const email = newEmail();
    expectRateLimited(await postJson(limited.url, { query: SIGN_UP, variables: { i: signUpInput(email) } }), 60);
    await expectNoAccount(email);
  });

  it('keeps a budget per API key', async () => {
    const limited = await startExtra({ protection: { rateLimits: { apiKey: { points: 2, durationSeconds: 30 } } } });
    const key = { 'x-api-key': `key-${randomUUID()}` };
    for (let i = 0; i < 2; i++) expect((await typename(limited, key)).status).toBe(200);
    expectRateLimited(await typename(limited, key), 30);
    expect((await typename(limited, { 'x-api-key': `key-${randomUUID()}` })).status).toBe(200);
    expect((await typename(limited)).status).toBe(200);
  });

  it('keeps a budget per signed-in user', async () => {
    const [alice, bob] = await Promise.all([signUp(), signUp()]);
    const limited = await startExtra({ protection: { rateLimits: { user: { points: 2, durationSeconds: 60 } } } });
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    for (let i = 0; i < 2; i++) expect((await typename(limited, as(alice))).status).toBe(200);
    expectRateLimited(await typename(limited, as(alice)), 60);
    expect((await typename(limited, as(bob))).status).toBe(200);
    expect((await typename(limited)).status).toBe(200);
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const ip = { points: 2, durationSeconds: 60 };
    const behindProxy = await startExtra({ trustProxy: 'loopback', protection: { rateLimits: { ip } } });
    const from = (address: string) => ({ 'x-forwarded-for': address });
    for (let i = 0; i < 2; i++) expect((await typename(behindProxy, from('203.0.113.7'))).status).toBe(200);
    expectRateLimited(await typename(behindProxy, from('203.0.113.7')), 60);
    expect((await typename(behindProxy, from('203.0.113.8'))).status).toBe(200);

    // Without a trusted proxy, a client cannot earn a fresh budget by naming another address.
    const direct = await startExtra({ protection: { rateLimits: { ip } } });
    expect((await typename(direct, from('203.0.113.1'))).status).toBe(200);
    expect((await typename(direct, from('203.0.113.2'))).status).toBe(200);
    expectRateLimited(await typename(direct, from('203.0.113.3')), 60);
  });

  it('counts an IPv6 client per /64 and an IPv4-mapped address as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('2001:db8:1:3::1')).not.toBe(addressKey('2001:db8:1:2::1'));
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
  });

  it('shares counters between gateways through Redis', async () => {
    const keyPrefix = `organoise-test:${randomUUID()}`;
    const redis = new Redis(testEnv.TEST_REDIS_URL);
    try {
      const rateLimits = { redisUrl: testEnv.TEST_REDIS_URL, keyPrefix, ip: { points: 3, durationSeconds: 60 } };
      const [a, b] = await Promise.all([startExtra({ protection: { rateLimits } }), startExtra({ protection: { rateLimits } })]);
      expect((await typename(a)).status).toBe(200);
      expect((await typename(b)).status).toBe(200);
      expect((await typename(a)).status).toBe(200);
      expectRateLimited(await typename(b), 60);
      expectRateLimited(await typename(a), 60);
      expect(await redis.keys(`${keyPrefix}:ip:*`)).toHaveLength(1);
    } finally {
      const keys = await redis.keys(`${keyPrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('keeps limiting in memory while Redis is unreachable', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const limited = await startExtra({ protection: { rateLimits: { redisUrl: `redis://127.0.0.1:${closedPort}`, ip: { points: 2, durationSeconds: 60 } } } });
    for (let i = 0; i < 2; i++) expect((await typename(limited)).status).toBe(200);
    expectRateLimited(await typename(limited), 60);
  });
});
