import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postGraphQL, TEST_INTERNAL_SECRET, testLog, waitFor } from '@organoise/core/testing';
import { loadSupergraph, startGateway, type GatewayOptions, type RunningGateway } from '@organoise/gateway';
import { DEMO_ORGANIZATION, seedDemo } from '@organoise/platform';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestPlatform, type TestPlatform } from './harness.js';

// The gateway's protection (issue 4) holds for subscriptions and for operations sent over a socket
// as it does over HTTP (docs/protocols/subscriptions.md, section 4): limits, safelist, rate limits,
// introspection, message and body sizes, and a slow consumer cut off over a real TCP socket.
let platform: TestPlatform;
const tokens: Record<string, string> = {};
let expenseId: string;
let manifestDir: string;
/** Production, tight limits, small messages and bodies, no safelist, no rate limits. */
let limited: RunningGateway;
/** Production, enforcing a list that holds RUN_UPDATES. */
let listed: RunningGateway;
/** Three operations per user and minute. */
let throttled: RunningGateway;

const LIMITS = { depth: 6, aliases: 5, directives: 5, tokens: 400, cost: 2000 };
const SMALL = 8 * 1024;
const PER_CONNECTION = 5;

const RUN_UPDATES = `subscription RunUpdates($runId: ID!, $after: String) { workflowRunUpdated(runId: $runId, after: $after) { cursor type run { state } } }`;
const RUN_UPDATES_ID = createHash('sha256').update(RUN_UPDATES).digest('hex');

beforeAll(async () => {
  // 4 events or 150 KB, whichever a slow consumer reaches first.
  platform = await startTestPlatform({ subscriptions: { maxQueue: 4, maxQueueBytes: 150 * 1024 } });
  await seedDemo(platform.gateway.url);
  Object.assign(tokens, await platform.demoTokens());
  const res = await platform.gql(`{ organizations { nodes { slug workflows { nodes { id key } } } } }`, {}, tokens.OWNER);
  const org = res.data!.organizations.nodes.find((o: { slug: string }) => o.slug === DEMO_ORGANIZATION.slug);
  expenseId = org.workflows.nodes.find((w: { key: string }) => w.key === 'expense-approval').id;

  manifestDir = mkdtempSync(join(tmpdir(), 'organoise-safelist-'));
  const manifest = join(manifestDir, 'safelist.json');
  writeFileSync(manifest, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: RUN_UPDATES_ID, name: 'RunUpdates', type: 'subscription', body: RUN_UPDATES }] }));
  // More gateways in front of the same subgraphs, as further replicas with other settings.
  const base: GatewayOptions = {
    supergraphSdl: loadSupergraph(),
    subgraphUrls: Object.fromEntries(Object.entries(platform.subgraphs).map(([name, s]) => [name, s.url])),
    internalTokenSecret: TEST_INTERNAL_SECRET,
    identity: { issuer: 'organoise-e2e', principalCacheMs: 1000 },
    log: testLog,
  };
  [limited, listed, throttled] = await Promise.all([
    startGateway({ ...base, production: true, maxBodyBytes: SMALL, subscriptions: { maxMessageBytes: SMALL, maxPerConnection: PER_CONNECTION }, protection: { limits: LIMITS, safelist: { mode: 'off' }, rateLimits: false } }),
    startGateway({ ...base, production: true, protection: { safelist: { mode: 'enforce', path: manifest }, rateLimits: false } }),
    startGateway({ ...base, protection: { rateLimits: { ip: { points: 1000, durationSeconds: 60 }, user: { points: 3, durationSeconds: 60 } } } }),
  ]);
});

afterAll(async () => {
  await Promise.all([limited, listed, throttled].map((g) => g?.close()));
  await platform?.stop();
  if (manifestDir) rmSync(manifestDir, { recursive: true, force: true });
});

async function startRun(data: Record<string, unknown> = { amount: 10 }) {
  const res = await platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId: expenseId, data } }, tokens.MEMBER);
  expect(res.errors).toBeUndefined();
  return res.data!.startWorkflowRun.id as string;
}

async function fire(runId: string, transition: string, token: string) {
  const res = await platform.gql(`mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`, { i: { runId, transition } }, token);
  expect(res.errors).toBeUndefined();
}

const wsUrl = (gateway: RunningGateway) => gateway.url.replace(/^http/, 'ws');

/**
 * A graphql-ws subscriber to the run's updates that stops reading once it follows: its kernel
 * receive buffer fills, then the gateway's send buffer, and events queue up in the gateway.
 */
async function pausedSocket(runId: string) {
  const socket = new WebSocket(wsUrl(platform.gateway), 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise((resolve) => socket.on('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${tokens.MEMBER}` } }));
  await new Promise((resolve) => socket.once('message', resolve));
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription($runId: ID!) { workflowRunUpdated(runId: $runId) { cursor run { state data } } }`, variables: { runId } } }));
  const engine = platform.gateway.subscriptions;
  const cutBefore = engine.queueStats().slowConsumers;
  await waitFor(() => engine.stats().topics > 0, 'the subscription');
  const raw = (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  raw.pause();
  return { socket: Object.assign(socket, { resumeReading: () => raw.resume() }), closed, engine, cutBefore };
}

/**
 * Fires transitions until the gateway cuts a slow consumer off; returns how many it took. The
 * events of the last transitions may still be on their way (subgraph, Redis, gateway) when the
 * bound is reached, which on a loaded machine can be many: the cut is then awaited, not assumed.
 */
async function floodUntilCut(runId: string, cutBefore: number): Promise<number> {
  const engine = platform.gateway.subscriptions;
  let transitions = 0;
  while (engine.queueStats().slowConsumers === cutBefore && transitions < 400) {
    await fire(runId, transitions % 2 === 0 ? 'submit' : 'request_changes', transitions % 2 === 0 ? tokens.MEMBER! : tokens.ADMIN!);
    transitions++;
  }
  await waitFor(() => engine.queueStats().slowConsumers !== cutBefore, `the gateway to cut the slow consumer off after ${transitions} events`, 30_000);
  return transitions;
}

interface Operation {
  query: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}

/** A graphql-ws client on one connection: what each operation returned, and how the connection closed. */
function wsClient(gateway: RunningGateway, token: string) {
  const closeCodes: number[] = [];
  const client = createClient({
    url: wsUrl(gateway),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    // A refused connection is recorded in closeCodes; graphql-ws would also print it.
    onNonLazyError: () => {},
    connectionParams: { authorization: `Bearer ${token}` },
    on: { closed: (event) => void closeCodes.push((event as { code: number }).code) },
  });
  const run = (operation: Operation) => {
    const events: any[] = [];
    let errors: any[] | null = null;
    let stop!: () => void;
    const done = new Promise<void>((resolve) => {
      stop = client.subscribe({ query: operation.query, variables: operation.variables ?? {}, ...(operation.extensions ? { extensions: operation.extensions } : {}) }, {
        next: (value) => void events.push(value),
        error: (error) => {
          errors = Array.isArray(error) ? error : [error];
          resolve();
        },
        complete: () => resolve(),
      });
    });
    return { events, done, stop, errors: () => errors as any[] | null };
  };
  /** The codes an operation was refused with (an `error` message on the socket). */
  const refusal = async (operation: Operation) => {
    const op = run(operation);
    await op.done;
    return (op.errors() ?? op.events.flatMap((e) => e.errors ?? [])).map((e: any) => ({ code: e.extensions?.code, limit: e.extensions?.limit }));
  };
  return { client, closeCodes, run, refusal };
}

const streamHeaders = { sse: 'text/event-stream', multipart: 'multipart/mixed;subscriptionSpec="1.0", application/json' } as const;

/** Opens an SSE or multipart subscription; the status and, for a refusal, its JSON body. */
async function openStream(gateway: RunningGateway, kind: keyof typeof streamHeaders, body: unknown, token = tokens.MEMBER!) {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: streamHeaders[kind], authorization: `Bearer ${token}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json = (response.headers.get('content-type') ?? '').startsWith('application/json') ? ((await response.json()) as { errors?: any[] }) : null;
  return { response, status: response.status, json, codes: (json?.errors ?? []).map((e: any) => ({ code: e.extensions?.code, limit: e.extensions?.limit })) };
}

async function overHttp(gateway: RunningGateway, operation: Operation) {
  const res = await postGraphQL(gateway.url, operation.query, operation.variables ?? {}, { authorization: `Bearer ${tokens.MEMBER}` });
  return { status: res.status, codes: (res.errors ?? []).map((e: any) => ({ code: e.extensions?.code, limit: e.extensions?.limit })) };
}

const RUN = { runId: '00000000-0000-4000-8000-000000000000' };
const OVER_LIMIT: Record<string, Operation> = {
  depth: { query: `subscription($runId: ID!) { workflowRunUpdated(runId: $runId) { run { organization { workflowRuns { nodes { organization { workflowRuns { nodes { id } } } } } } } } }`, variables: RUN },
  aliases: { query: `subscription($runId: ID!) { workflowRunUpdated(runId: $runId) { ${Array.from({ length: 6 }, (_, i) => `a${i}: cursor`).join(' ')} } }`, variables: RUN },
  directives: { query: `subscription($runId: ID!) { workflowRunUpdated(runId: $runId) { ${Array.from({ length: 6 }, () => 'cursor @include(if: true)').join(' ')} } }`, variables: RUN },
  cost: { query: `subscription($runId: ID!) { workflowRunUpdated(runId: $runId) { run { history(first: 100) { nodes { id transition from to comment } } tasks(first: 100) { nodes { id } } } } }`, variables: RUN },
  tokens: { query: `subscription($runId: ID!) { workflowRunUpdated(runId: $runId) { ${Array(450).fill('__typename').join(' ')} } }`, variables: RUN },
};

describe('operation limits over every transport', () => {
  for (const [limit, operation] of Object.entries(OVER_LIMIT)) {
    it(`refuses a subscription over the ${limit} limit with OPERATION_TOO_COMPLEX over graphql-ws, SSE and multipart, as HTTP does`, async () => {
      const http = await overHttp(limited, operation);
      expect(http.status).toBe(400);
      expect(http.codes).toContainEqual({ code: 'OPERATION_TOO_COMPLEX', limit });
      const ws = wsClient(limited, tokens.MEMBER!);
      expect(await ws.refusal(operation)).toEqual(http.codes);
      for (const kind of ['sse', 'multipart'] as const) {
        const stream = await openStream(limited, kind, operation);
        expect({ status: stream.status, codes: stream.codes }).toEqual(http);
      }
      expect(ws.closeCodes).toEqual([]);
      await ws.client.dispose();
      expect(limited.subscriptions.stats().topics).toBe(0);
    });
  }

  it('refuses a query over the socket past a limit with the same code, and runs one within every limit', async () => {
    const ws = wsClient(limited, tokens.MEMBER!);
    const deep = `{ viewer { memberships { nodes { organization { workflowRuns { nodes { organization { id } } } } } } } }`;
    expect(await ws.refusal({ query: deep })).toEqual((await overHttp(limited, { query: deep })).codes);
    const fine = ws.run({ query: `{ viewer { id } }` });
    await fine.done;
    expect(fine.errors()).toBeNull();
    expect(fine.events[0].data.viewer.id).toBeTruthy();
    await ws.client.dispose();
  });
});

describe('introspection in production', () => {
  it('refuses introspection over the socket and over SSE with INTROSPECTION_DISABLED, as over HTTP', async () => {
    const introspection = { query: `{ __schema { queryType { name } } }` };
    const http = await overHttp(limited, introspection);
    expect(http).toEqual({ status: 400, codes: [{ code: 'INTROSPECTION_DISABLED', limit: undefined }] });
    const ws = wsClient(limited, tokens.MEMBER!);
    expect(await ws.refusal(introspection)).toEqual(http.codes);
    await ws.client.dispose();
    const sse = await openStream(limited, 'sse', introspection);
    expect({ status: sse.status, codes: sse.codes }).toEqual(http);
  });
});

describe('persisted-operation safelist', () => {
  it('refuses an unlisted subscription with OPERATION_NOT_ALLOWED on every transport and starts nothing', async () => {
    const unlisted = { query: `subscription($runId: ID!) { workflowRunUpdated(runId: $runId) { cursor } }`, variables: RUN };
    const ws = wsClient(listed, tokens.MEMBER!);
    expect(await ws.refusal(unlisted)).toEqual([{ code: 'OPERATION_NOT_ALLOWED', limit: undefined }]);
    expect(await ws.refusal({ query: '', extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } }, variables: RUN })).toEqual([{ code: 'OPERATION_NOT_ALLOWED', limit: undefined }]);
    for (const kind of ['sse', 'multipart'] as const) {
      const stream = await openStream(listed, kind, unlisted);
      expect({ status: stream.status, codes: stream.codes }).toEqual({ status: 400, codes: [{ code: 'OPERATION_NOT_ALLOWED', limit: undefined }] });
    }
    expect(listed.subscriptions.stats().topics).toBe(0);
    await ws.client.dispose();
  });

  it('runs a listed subscription named by its id over graphql-ws and sent verbatim over SSE', async () => {
    const runId = await startRun();
    const ws = wsClient(listed, tokens.MEMBER!);
    const byId = ws.run({ query: '', variables: { runId }, extensions: { persistedQuery: { version: 1, sha256Hash: RUN_UPDATES_ID } } });
    const sse = await openStream(listed, 'sse', { query: RUN_UPDATES, variables: { runId } });
    expect(sse.status).toBe(200);
    await waitFor(() => listed.subscriptions.stats().listeners === 2, 'both subscriptions');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await fire(runId, 'submit', tokens.MEMBER!);
    await waitFor(() => byId.events.length === 1, 'the event by id');
    expect(byId.events[0].data.workflowRunUpdated.run.state).toBe('submitted');
    const reader = sse.response.body!.getReader();
    let text = '';
    while (!text.includes('submitted')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    byId.stop();
    await ws.client.dispose();
    await waitFor(() => listed.subscriptions.stats().topics === 0, 'the subscriptions to end');
  });
});

describe('rate limits', () => {
  it("charges each operation on a socket to the user's budget and refuses the one over it with RATE_LIMITED, keeping the connection", async () => {
    const runId = await startRun();
    const ws = wsClient(throttled, tokens.VIEWER!);
    const first = ws.run({ query: RUN_UPDATES, variables: { runId } });
    const second = ws.run({ query: RUN_UPDATES, variables: { runId, after: '0' } });
    const query = ws.run({ query: `{ viewer { id } }` });
    await query.done;
    expect(query.errors()).toBeNull();
    expect(query.events[0].data.viewer.id).toBeTruthy();
    const refused = ws.run({ query: `{ viewer { id } }` });
    await refused.done;
    expect(refused.errors()!.map((e) => e.extensions.code)).toEqual(['RATE_LIMITED']);
    expect(refused.errors()![0].extensions.retryAfterSeconds).toBeGreaterThan(0);
    expect(await ws.refusal({ query: RUN_UPDATES, variables: { runId } })).toEqual([{ code: 'RATE_LIMITED', limit: undefined }]);
    expect(ws.closeCodes).toEqual([]);
    expect(first.errors()).toBeNull();
    expect(second.errors()).toBeNull();

    const sse = await openStream(throttled, 'sse', { query: RUN_UPDATES, variables: { runId } }, tokens.VIEWER);
    expect(sse.status).toBe(429);
    expect(sse.codes).toEqual([{ code: 'RATE_LIMITED', limit: undefined }]);
    expect(Number(sse.response.headers.get('retry-after'))).toBeGreaterThan(0);
    first.stop();
    second.stop();
    await ws.client.dispose();
  });
});

describe('the address budget, charged in one order on every transport', () => {
  // Each transport gets a gateway of its own whose address budget is three operations: a request
  // refused at parsing, one refused at validation and one with a bad token each cost one, as they
  // do over HTTP (the address is charged before anything is read), so the fourth, valid, is
  // refused with RATE_LIMITED. SSE once charged only what passed parsing and authentication.
  const PARSE = { query: 'subscription {' };
  const INVALID = { query: 'subscription { noSuchField }' };
  const gateways: RunningGateway[] = [];
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
  });
  const budgeted = async () => {
    const gateway = await startGateway({
      supergraphSdl: loadSupergraph(),
      subgraphUrls: Object.fromEntries(Object.entries(platform.subgraphs).map(([name, s]) => [name, s.url])),
      internalTokenSecret: TEST_INTERNAL_SECRET,
      identity: { issuer: 'organoise-e2e', principalCacheMs: 1000 },
      log: testLog,
      protection: { rateLimits: { ip: { points: 3, durationSeconds: 600 }, user: { points: 1000, durationSeconds: 600 } } },
    });
    gateways.push(gateway);
    return gateway;
  };
  const code = (codes: { code: string }[]) => codes.map((c) => c.code);

  it.each(['http', 'sse', 'multipart'] as const)('over %s', async (transport) => {
    const gateway = await budgeted();
    const send = async (operation: Operation, token = tokens.MEMBER!) => {
      if (transport !== 'http') return openStream(gateway, transport, { ...operation, variables: RUN }, token);
      const res = await postGraphQL(gateway.url, operation.query, {}, { authorization: `Bearer ${token}` });
      return { status: res.status, codes: (res.errors ?? []).map((e: any) => ({ code: e.extensions?.code })) };
    };
    const valid = transport === 'http' ? { query: '{ viewer { id } }' } : { query: RUN_UPDATES };
    expect(code((await send(PARSE)).codes)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(code((await send(INVALID)).codes)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(code((await send(valid, 'not-a-token')).codes)).toEqual(['UNAUTHENTICATED']);
    const limited = await send(valid);
    expect({ status: limited.status, codes: code(limited.codes) }).toEqual({ status: 429, codes: ['RATE_LIMITED'] });
  });

  it('over graphql-ws (a connection refused for its token costs one, as each operation does)', async () => {
    const gateway = await budgeted();
    const refused = wsClient(gateway, 'not-a-token');
    await waitFor(() => refused.closeCodes.length > 0, 'the refused connection to close');
    expect(refused.closeCodes).toEqual([4401]);
    await refused.client.dispose();
    const ws = wsClient(gateway, tokens.MEMBER!);
    expect(code(await ws.refusal(PARSE))).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(code(await ws.refusal({ ...INVALID, variables: RUN }))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(code(await ws.refusal({ query: RUN_UPDATES, variables: RUN }))).toEqual(['RATE_LIMITED']);
    expect(ws.closeCodes).toEqual([]);
    await ws.client.dispose();
  });
});

describe('message and body sizes', () => {
  it(`holds the per-connection limit (${PER_CONNECTION}) against 30 subscribes pipelined on one socket: the rest get TOO_MANY_SUBSCRIPTIONS`, async () => {
    const runId = await startRun();
    const socket = new WebSocket(wsUrl(limited), 'graphql-transport-ws');
    const refused: string[] = [];
    await new Promise((resolve) => socket.on('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${tokens.MEMBER}` } }));
    await new Promise((resolve) => socket.once('message', resolve));
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { id: string; type: string; payload?: { extensions?: { code?: string } }[] };
      if (message.type === 'error' && message.payload?.[0]?.extensions?.code === 'TOO_MANY_SUBSCRIPTIONS') refused.push(message.id);
    });
    // All in one go, before the gateway has answered any: each passes its rate and parse checks
    // while the others are still in theirs.
    for (let i = 0; i < 30; i++) socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: RUN_UPDATES, variables: { runId } } }));
    await waitFor(() => refused.length + limited.subscriptions.stats().listeners >= 30 || refused.length === 30 - PER_CONNECTION, 'every subscribe to be answered');
    await waitFor(() => limited.subscriptions.stats().listeners === PER_CONNECTION, 'the subscriptions within the limit to be accepted');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(refused).toHaveLength(30 - PER_CONNECTION);
    expect(limited.subscriptions.stats().listeners).toBe(PER_CONNECTION);
    socket.close();
    await waitFor(() => limited.subscriptions.stats().topics === 0, 'the upstream to close');
  });

  it('closes a graphql-ws connection with 1009 when a message is larger than the limit', async () => {
    const socket = new WebSocket(wsUrl(limited), 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.on('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${tokens.MEMBER}` } }));
    await new Promise((resolve) => socket.once('message', resolve));
    const padding = `# ${'x'.repeat(SMALL)}\n`;
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `${padding}${RUN_UPDATES}`, variables: RUN } }));
    expect(await closed).toBe(1009);
  });

  it('refuses an SSE or multipart body larger than the cap with 413 PAYLOAD_TOO_LARGE', async () => {
    const body = JSON.stringify({ query: RUN_UPDATES, variables: { ...RUN, padding: 'x'.repeat(SMALL) } });
    for (const kind of ['sse', 'multipart'] as const) {
      const stream = await openStream(limited, kind, body);
      expect({ status: stream.status, codes: stream.codes }).toEqual({ status: 413, codes: [{ code: 'PAYLOAD_TOO_LARGE', limit: undefined }] });
    }
  });
});

describe('a slow consumer on a real socket', () => {
  it('is cut off with close code 4408 once its bounded queue overflows, and its queue never grows past maxQueue', async () => {
    // Each event carries ~60 KB of run data, so the loopback TCP buffers (a few MB) fill within
    // a hundred or so events; from then on the gateway's writes wait and events queue up.
    const runId = await startRun({ blob: 'x'.repeat(60 * 1024) });
    const { socket, closed, engine, cutBefore } = await pausedSocket(runId);
    const transitions = await floodUntilCut(runId, cutBefore);
    expect(transitions).toBeGreaterThan(4); // the kernel buffers took events before the queue did
    expect(engine.queueStats().peakQueued).toBeLessThanOrEqual(4);
    await waitFor(() => engine.stats().listeners === 0 && engine.stats().topics === 0, 'the upstream to be released');

    // Once the client reads again it finds the close frame behind the events it had not read.
    socket.resumeReading();
    expect(await closed).toBe(4408);
  }, 120_000);

  it('is cut off over SSE with a final SLOW_CONSUMER error, its queue never growing past maxQueue', async () => {
    const runId = await startRun({ blob: 'x'.repeat(60 * 1024) });
    const engine = platform.gateway.subscriptions;
    const cutBefore = engine.queueStats().slowConsumers;
    const body = JSON.stringify({ query: `subscription($runId: ID!) { workflowRunUpdated(runId: $runId) { cursor run { state data } } }`, variables: { runId } });
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = http.request(platform.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${tokens.MEMBER}` } }, resolve);
      request.on('error', reject);
      request.end(body);
    });
    expect(response.statusCode).toBe(200);
    await waitFor(() => engine.stats().topics > 0, 'the subscription');
    response.pause();
    response.socket.pause();

    const transitions = await floodUntilCut(runId, cutBefore);
    expect(transitions).toBeGreaterThan(4);
    expect(engine.queueStats().peakQueued).toBeLessThanOrEqual(4);
    await waitFor(() => engine.stats().listeners === 0 && engine.stats().topics === 0, 'the upstream to be released');

    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text = (text + chunk).slice(-1000)));
    response.socket.resume();
    response.resume();
    await new Promise((resolve) => response.on('end', resolve));
    expect(text).toContain('SLOW_CONSUMER');
    expect(text).toMatch(/event: complete\ndata:\n\n$/);
  }, 120_000);
});

describe('a slow consumer of large events', () => {
  it('is cut off once the bytes waiting for it pass the limit, before the event limit', async () => {
    // maxQueue is 4 events, maxQueueBytes 150 KB: three 60 KB events pass the bytes first.
    const runId = await startRun({ blob: 'x'.repeat(60 * 1024) });
    const { socket, closed, engine, cutBefore } = await pausedSocket(runId);
    await floodUntilCut(runId, cutBefore);
    const { peakQueued, peakQueuedBytes } = engine.queueStats();
    // Cut by bytes: never the fourth event, the bytes just past the limit (by at most one event).
    expect(peakQueued).toBeLessThanOrEqual(3);
    expect(peakQueuedBytes).toBeGreaterThan(150 * 1024);
    expect(peakQueuedBytes).toBeLessThan(150 * 1024 + 70 * 1024);
    await waitFor(() => engine.stats().topics === 0, 'the upstream to be released');
    socket.resumeReading();
    expect(await closed).toBe(4408);
  }, 120_000);
});
