import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postGraphQL } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGateway, type GatewayOptions, type RunningGateway } from '../src/index.js';
import { sha256 } from '../src/protection/index.js';
import { startUserGraph, type UserGraph } from './harness.js';

// One protection contract, run over every transport adapter of the gateway (issue 12): every
// case below is sent over HTTP POST (the lean path and Apollo Server's), HTTP GET, graphql-ws
// (raw protocol messages), SSE and multipart, against real gateways over the user subgraph, and
// each adapter must give the case's answer. A transport added to the gateway is added to
// ADAPTERS, and then cannot skip a check. Where a wire cannot carry a case (a GET has no body)
// the case says so; where the wire tells a refusal its own way (graphql-ws closes a connection
// refused for its credentials), the case names that answer.

const LIMITS = { depth: 6, aliases: 5, directives: 5, tokens: 400, cost: 2000 };
const BODY_BYTES = 16 * 1024;
const LISTED = 'query Listed { __typename }';

let graph: UserGraph;
let manifestDir: string;
/** Development: tight limits, small bodies and messages, the listed operations resolve by id but are not enforced, no rate limits. */
let dev: RunningGateway;
/** Production (introspection and suggestions off), no rate limits. */
let prod: RunningGateway;
/** Production enforcing a list that holds LISTED. */
let enforcing: RunningGateway;
/** Six requests per address and two per user each window; X-Forwarded-For names the client (each adapter its own). */
let budgeted: RunningGateway;

beforeAll(async () => {
  graph = await startUserGraph();
  manifestDir = mkdtempSync(join(tmpdir(), 'organoise-contract-'));
  const manifest = join(manifestDir, 'safelist.json');
  writeFileSync(manifest, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256(LISTED), name: 'Listed', type: 'query', body: LISTED }] }));
  const base: GatewayOptions = graph.gatewayOptions;
  [dev, prod, enforcing, budgeted] = await Promise.all([
    startGateway({ ...base, maxBodyBytes: BODY_BYTES, subscriptions: { maxMessageBytes: BODY_BYTES }, protection: { limits: LIMITS, safelist: { mode: 'off', path: manifest }, rateLimits: false } }),
    startGateway({ ...base, production: true, protection: { safelist: { mode: 'off', path: manifest }, rateLimits: false } }),
    startGateway({ ...base, production: true, protection: { safelist: { mode: 'enforce', path: manifest }, rateLimits: false } }),
    startGateway({ ...base, trustProxy: 'loopback', protection: { safelist: { mode: 'off', path: manifest }, rateLimits: { ip: { points: 6, durationSeconds: 600 }, apiKey: { points: 0, durationSeconds: 600 }, user: { points: 2, durationSeconds: 600 } } } }),
  ]);
});

afterAll(async () => {
  await Promise.all([dev, prod, enforcing, budgeted].map((g) => g?.close()));
  await graph?.close();
  if (manifestDir) rmSync(manifestDir, { recursive: true, force: true });
});

/** What a client sends, before any transport's encoding. `body` replaces the whole JSON body (HTTP POST, SSE, multipart). */
interface Request {
  query?: string;
  variables?: unknown;
  extensions?: unknown;
  operationName?: string;
  token?: string;
  /** The client's address (X-Forwarded-For, believed by `budgeted` only). */
  ip?: string;
  body?: string;
  contentType?: string;
}

/** What came back, as comparable across transports. `status` is HTTP's (null over graphql-ws); `close` a graphql-ws close code. */
interface Outcome {
  status: number | null;
  codes: string[];
  limit?: unknown;
  data?: unknown;
  retryAfter?: boolean;
  close?: number;
  messages?: string[];
}

interface Adapter {
  name: string;
  /** Has a request body (and its size cap, content type and batches). */
  body: boolean;
  send(gateway: RunningGateway, request: Request): Promise<Outcome>;
}

const headersOf = (request: Request, accept: string): Record<string, string> => ({
  accept,
  ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
  ...(request.ip ? { 'x-forwarded-for': request.ip } : {}),
});
const jsonBody = (request: Request) =>
  request.body ?? JSON.stringify({ query: request.query, variables: request.variables, extensions: request.extensions, operationName: request.operationName });

function fromJson(status: number, json: { data?: unknown; errors?: { message: string; extensions?: { code?: string; limit?: unknown } }[] }, headers: Headers): Outcome {
  return {
    status,
    codes: (json.errors ?? []).map((e) => e.extensions?.code ?? '(none)'),
    limit: json.errors?.[0]?.extensions?.limit,
    data: json.data ?? undefined,
    retryAfter: Number(headers.get('retry-after')) > 0,
    messages: (json.errors ?? []).map((e) => e.message),
  };
}

async function overHttpPost(gateway: RunningGateway, request: Request, accept: string): Promise<Outcome> {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': request.contentType ?? 'application/json', ...headersOf(request, accept) }, body: jsonBody(request) });
  return fromJson(response.status, (await response.json()) as never, response.headers);
}

async function overStream(gateway: RunningGateway, request: Request, accept: string): Promise<Outcome> {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': request.contentType ?? 'application/json', ...headersOf(request, accept) }, body: jsonBody(request) });
  const type = response.headers.get('content-type') ?? '';
  if (type.startsWith('application/json')) return fromJson(response.status, (await response.json()) as never, response.headers);
  // A stream: a query's one result, then the end (SSE `complete`; multipart's closing delimiter).
  const text = await response.text();
  const results = type.startsWith('text/event-stream')
    ? [...text.matchAll(/^event: next\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1]!))
    : text.split('\r\n--graphql').flatMap((part) => {
        const json = part.split('\r\n\r\n')[1];
        return json ? [JSON.parse(json).payload] : [];
      });
  expect(results).toHaveLength(1);
  return { ...fromJson(response.status, results[0], response.headers), retryAfter: false };
}

async function overGet(gateway: RunningGateway, request: Request): Promise<Outcome> {
  const url = new URL(gateway.url);
  if (request.query !== undefined) url.searchParams.set('query', request.query);
  if (request.operationName !== undefined) url.searchParams.set('operationName', request.operationName);
  if (request.variables !== undefined) url.searchParams.set('variables', JSON.stringify(request.variables));
  if (request.extensions !== undefined) url.searchParams.set('extensions', JSON.stringify(request.extensions));
  const response = await fetch(url, { headers: headersOf(request, 'application/json') });
  return fromJson(response.status, (await response.json()) as never, response.headers);
}

/** graphql-ws spoken as raw protocol messages: one connection per request, closed after it. */
async function overWs(gateway: RunningGateway, request: Request): Promise<Outcome> {
  const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers: request.ip ? { 'x-forwarded-for': request.ip } : {} });
  const inbox: { type: string; id?: string; payload?: any }[] = [];
  let closed: number | null = null;
  let wake = () => {};
  socket.on('message', (raw) => {
    inbox.push(JSON.parse(String(raw)));
    wake();
  });
  socket.on('close', (code) => {
    closed = code;
    wake();
  });
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((resolve) => (wake = resolve));
  };
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: request.token ? { authorization: `Bearer ${request.token}` } : {} }));
  await until(() => closed !== null || inbox.some((m) => m.type === 'connection_ack'));
  if (closed !== null) return { status: null, codes: [], close: closed };
  const payload: Record<string, unknown> = { query: request.query ?? '' };
  for (const part of ['variables', 'extensions', 'operationName'] as const) if (request[part] !== undefined) payload[part] = request[part];
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload }));
  await until(() => closed !== null || inbox.some((m) => m.id === '1' && (m.type === 'error' || m.type === 'complete')));
  socket.close();
  if (closed !== null) return { status: null, codes: [], close: closed };
  const errors = inbox.flatMap((m) => (m.type === 'error' ? m.payload : m.type === 'next' ? (m.payload.errors ?? []) : []));
  const data = inbox.find((m) => m.type === 'next')?.payload.data;
  return { status: null, codes: errors.map((e: any) => e.extensions?.code ?? '(none)'), limit: errors[0]?.extensions?.limit, data, retryAfter: Number(errors[0]?.extensions?.retryAfterSeconds) > 0, messages: errors.map((e: any) => e.message) };
}

const MULTIPART = 'multipart/mixed;subscriptionSpec="1.0", application/json';
const ADAPTERS: Adapter[] = [
  { name: 'HTTP POST (lean path)', body: true, send: (g, r) => overHttpPost(g, r, 'application/json') },
  { name: 'HTTP POST (Apollo Server)', body: true, send: (g, r) => overHttpPost(g, r, 'application/graphql-response+json, application/json') },
  { name: 'HTTP GET', body: false, send: overGet },
  { name: 'graphql-ws', body: false, send: overWs },
  { name: 'SSE', body: true, send: (g, r) => overStream(g, r, 'text/event-stream') },
  { name: 'multipart', body: true, send: (g, r) => overStream(g, r, MULTIPART) },
];
const isWs = (adapter: Adapter) => adapter.name === 'graphql-ws';

/** The HTTP status of a refusal; graphql-ws has none and answers the operation with an `error` message. */
const refused = (adapter: Adapter, status: number, code: string, limit?: string): Outcome => ({ status: isWs(adapter) ? null : status, codes: [code], ...(limit ? { limit } : {}) });
const pick = (outcome: Outcome, expected: Partial<Outcome>) => Object.fromEntries(Object.keys(expected).map((key) => [key, outcome[key as keyof Outcome]]));

let n = 0;
async function signUp() {
  const res = await postGraphQL(dev.url, `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, {
    i: { email: `contract-${Date.now()}-${n++}@example.com`, password: 'correct horse battery', name: 'Contract' },
  });
  expect(res.errors).toBeUndefined();
  return res.data!.signUp.accessToken as string;
}

const deepVariables = () => {
  let value: unknown = 'leaf';
  for (let i = 0; i < 150; i++) value = { a: value };
  return { nested: value };
};

interface Case {
  name: string;
  gateway: () => RunningGateway;
  request: Request;
  /** Adapters this case cannot be sent over, and why (the test names them). */
  skip?: (adapter: Adapter) => string | null;
  expected: (adapter: Adapter) => Outcome;
}

const CASES: Case[] = [
  { name: 'runs an operation within every limit', gateway: () => dev, request: { query: '{ __typename }' }, expected: (a) => ({ status: isWs(a) ? null : 200, codes: [], data: { __typename: 'Query' } }) },
  { name: 'refuses a token that does not verify with UNAUTHENTICATED (graphql-ws: the connection closes with 4401)', gateway: () => dev, request: { query: '{ __typename }', token: 'not-a-token' }, expected: (a) => (isWs(a) ? { status: null, codes: [], close: 4401 } : refused(a, 401, 'UNAUTHENTICATED')) },
  // graphql-ws once failed on any query answered with errors (they were not GraphQLErrors: 'e.toJSON is not a function').
  { name: 'answers a field that needs a signed-in viewer with UNAUTHENTICATED from the subgraph', gateway: () => dev, request: { query: '{ organizations { nodes { id } } }' }, expected: (a) => ({ status: isWs(a) ? null : 200, codes: ['UNAUTHENTICATED'] }) },
  { name: 'refuses a document that does not parse with GRAPHQL_PARSE_FAILED', gateway: () => dev, request: { query: '{ viewer {' }, expected: (a) => refused(a, 400, 'GRAPHQL_PARSE_FAILED') },
  { name: 'refuses an invalid operation with GRAPHQL_VALIDATION_FAILED', gateway: () => dev, request: { query: '{ noSuchField }' }, expected: (a) => refused(a, 400, 'GRAPHQL_VALIDATION_FAILED') },
  {
    name: 'refuses an operation nested past the depth limit with OPERATION_TOO_COMPLEX',
    gateway: () => dev,
    request: { query: '{ viewer { memberships { nodes { organization { members { nodes { user { id } } } } } } } }' },
    expected: (a) => refused(a, 400, 'OPERATION_TOO_COMPLEX', 'depth'),
  },
  { name: 'refuses an alias overload with OPERATION_TOO_COMPLEX', gateway: () => dev, request: { query: `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }` }, expected: (a) => refused(a, 400, 'OPERATION_TOO_COMPLEX', 'aliases') },
  { name: 'refuses a directive overload with OPERATION_TOO_COMPLEX', gateway: () => dev, request: { query: `{ ${Array.from({ length: 6 }, () => '__typename @include(if: true)').join(' ')} }` }, expected: (a) => refused(a, 400, 'OPERATION_TOO_COMPLEX', 'directives') },
  { name: 'refuses a document over the token cap while parsing it', gateway: () => dev, request: { query: `{ ${Array(450).fill('__typename').join(' ')} }` }, expected: (a) => refused(a, 400, 'OPERATION_TOO_COMPLEX', 'tokens') },
  {
    name: 'refuses an operation over the cost limit',
    gateway: () => dev,
    request: { query: '{ viewer { memberships(first: 100) { nodes { organization { members(first: 100) { totalCount } } } } } }' },
    expected: (a) => refused(a, 400, 'OPERATION_TOO_COMPLEX', 'cost'),
  },
  { name: 'refuses introspection in production with INTROSPECTION_DISABLED', gateway: () => prod, request: { query: '{ __schema { queryType { name } } }' }, expected: (a) => refused(a, 400, 'INTROSPECTION_DISABLED') },
  { name: 'serves introspection in development', gateway: () => dev, request: { query: '{ __schema { queryType { name } } }' }, expected: (a) => ({ status: isWs(a) ? null : 200, codes: [], data: { __schema: { queryType: { name: 'Query' } } } }) },
  {
    name: 'refuses several operations without an operationName with OPERATION_RESOLUTION_FAILURE',
    gateway: () => dev,
    request: { query: 'query A { __typename } query B { __typename }' },
    expected: (a) => refused(a, 400, 'OPERATION_RESOLUTION_FAILURE'),
  },
  { name: 'refuses an operation not in the enforced list with OPERATION_NOT_ALLOWED', gateway: () => enforcing, request: { query: '{ __typename }' }, expected: (a) => refused(a, 400, 'OPERATION_NOT_ALLOWED') },
  {
    // HTTP once checked the list before the credentials (400 OPERATION_NOT_ALLOWED), graphql-ws after them.
    name: 'refuses a bad token before looking at the list: authentication comes first on every transport',
    gateway: () => enforcing,
    request: { query: '{ __typename }', token: 'not-a-token' },
    expected: (a) => (isWs(a) ? { status: null, codes: [], close: 4401 } : refused(a, 401, 'UNAUTHENTICATED')),
  },
  {
    name: 'refuses an unknown persisted id on an enforcing gateway with OPERATION_NOT_ALLOWED',
    gateway: () => enforcing,
    request: { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } },
    expected: (a) => refused(a, 400, 'OPERATION_NOT_ALLOWED'),
  },
  { name: 'runs a listed operation named by its id alone on an enforcing gateway', gateway: () => enforcing, request: { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(LISTED) } } }, expected: (a) => ({ status: isWs(a) ? null : 200, codes: [], data: { __typename: 'Query' } }) },
  {
    name: 'answers an unknown persisted id with PERSISTED_QUERY_NOT_FOUND where the list is not enforced',
    gateway: () => dev,
    request: { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } },
    expected: (a) => refused(a, 200, 'PERSISTED_QUERY_NOT_FOUND'),
  },
  { name: 'refuses variables that are not a JSON object with BAD_REQUEST (graphql-ws: a malformed message, 4400)', gateway: () => dev, request: { query: '{ __typename }', variables: [1, 2] }, expected: (a) => (isWs(a) ? { status: null, codes: [], close: 4400 } : refused(a, 400, 'BAD_REQUEST')) },
  {
    // SSE and multipart once decoded such text; HTTP refused it.
    name: 'refuses variables sent as JSON text inside a JSON body with BAD_REQUEST',
    gateway: () => dev,
    request: { query: '{ __typename }', variables: '{}' },
    skip: (a) => (a.body ? null : a.name === 'HTTP GET' ? 'text is how a GET carries its variables' : 'graphql-ws closes for a malformed message (the case above)'),
    expected: (a) => refused(a, 400, 'BAD_REQUEST'),
  },
  { name: 'refuses variables nested past 100 levels with BAD_USER_INPUT', gateway: () => dev, request: { query: '{ __typename }', variables: deepVariables() }, expected: (a) => refused(a, 400, 'BAD_USER_INPUT') },
  { name: 'refuses a missing required variable with BAD_USER_INPUT', gateway: () => dev, request: { query: 'query($id: ID!) { organization(id: $id) { id } }', variables: {} }, expected: (a) => refused(a, 400, 'BAD_USER_INPUT') },
  {
    name: 'refuses a mutation over GET with 405',
    gateway: () => dev,
    request: { query: 'mutation { signOut }' },
    skip: (a) => (a.name === 'HTTP GET' ? null : 'only GET is refused a mutation'),
    expected: (a) => refused(a, 405, 'BAD_REQUEST'),
  },
  {
    name: 'refuses a body over the size cap with PAYLOAD_TOO_LARGE (graphql-ws: a message over the cap closes with 1009)',
    gateway: () => dev,
    request: { query: `# ${'x'.repeat(BODY_BYTES)}\n{ __typename }` },
    skip: (a) => (a.name === 'HTTP GET' ? 'a GET has no body (its URL is capped by Node at 16 KiB)' : null),
    expected: (a) => (isWs(a) ? { status: null, codes: [], close: 1009 } : refused(a, 413, 'PAYLOAD_TOO_LARGE')),
  },
  { name: 'refuses a batch with BATCH_NOT_ALLOWED', gateway: () => dev, request: { body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]) }, skip: (a) => (a.body ? null : 'no body to batch in'), expected: (a) => refused(a, 400, 'BATCH_NOT_ALLOWED') },
  {
    name: 'refuses a body that is not JSON unread with UNSUPPORTED_MEDIA_TYPE',
    gateway: () => dev,
    request: { body: 'query={ __typename }', contentType: 'application/x-www-form-urlencoded' },
    skip: (a) => (a.body ? null : 'no body'),
    expected: (a) => refused(a, 415, 'UNSUPPORTED_MEDIA_TYPE'),
  },
];

describe.each(ADAPTERS)('the protection contract over $name', (adapter) => {
  for (const c of CASES) {
    const skipped = c.skip?.(adapter) ?? null;
    it.skipIf(skipped !== null)(`${c.name}${skipped ? ` (not over this transport: ${skipped})` : ''}`, async () => {
      const expected = c.expected(adapter);
      const outcome = await adapter.send(c.gateway(), c.request);
      expect(pick(outcome, expected)).toEqual(expected);
    });
  }

  it('cuts field suggestions from every message in production', async () => {
    const outcome = await adapter.send(prod, { query: '{ viewr { id } }' });
    expect(outcome.codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(outcome.messages!.join(' ')).not.toMatch(/Did you mean/);
  });

  it('charges each request once, in one order: the address first (refusals included), the user once authenticated', async () => {
    // Each adapter is its own client address, with its own user: six requests per address, two per user.
    const ip = `198.51.100.${ADAPTERS.indexOf(adapter) + 1}`;
    const token = await signUp();
    const valid = { query: '{ __typename }', ip };
    // The user's two: one that runs and one refused at parsing (the user is charged before parsing).
    expect(pick(await adapter.send(budgeted, { ...valid, token }), { codes: [] })).toEqual({ codes: [] });
    expect((await adapter.send(budgeted, { ...valid, query: '{', token })).codes).toEqual(['GRAPHQL_PARSE_FAILED']);
    const overUser = await adapter.send(budgeted, { ...valid, token });
    expect({ codes: overUser.codes, retryAfter: overUser.retryAfter }).toEqual({ codes: ['RATE_LIMITED'], retryAfter: true });
    if (!isWs(adapter)) expect(overUser.status).toBe(429);
    // A bad token costs the address one, as each of the three above did.
    const badToken = await adapter.send(budgeted, { ...valid, token: 'not-a-token' });
    expect(isWs(adapter) ? badToken.close : badToken.codes).toEqual(isWs(adapter) ? 4401 : ['UNAUTHENTICATED']);
    expect((await adapter.send(budgeted, valid)).codes).toEqual([]);
    expect((await adapter.send(budgeted, valid)).codes).toEqual([]);
    // The seventh: over the address's six.
    const overAddress = await adapter.send(budgeted, valid);
    expect({ codes: overAddress.codes, retryAfter: overAddress.retryAfter }).toEqual({ codes: ['RATE_LIMITED'], retryAfter: true });
    if (!isWs(adapter)) expect(overAddress.status).toBe(429);
  });
});
