import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { waitFor } from '@organoise/core/testing';
import { DEMO_ORGANIZATION, DEMO_USERS, seedDemo } from '@organoise/platform';
import { cacheExchange, createClient as createUrqlClient, fetchExchange } from '@urql/core';
import { createClient as createHttpClient } from 'graphql-http';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestPlatform, type TestPlatform } from './harness.js';

/**
 * The client conformance table (issue 18): real client libraries, each set up as its own
 * documentation shows (no settings beyond the URL and the token), against the whole platform.
 * Every client that can runs a cross-subgraph query and a mutation; every client that can
 * subscribe receives each event before the next one is sent and resumes by cursor after a drop,
 * every missed event once. Commit-to-delivery times are measured and printed at the end.
 *
 * Exceptions (README, "GraphQL clients"): graphql-http has no subscriptions (the
 * graphql-over-http spec has none); urql needs an exchange for subscriptions (its docs add one),
 * so it is tried with `fetchSubscriptions`, its own fetch-based one.
 */
let platform: TestPlatform;
let token: string;
let adminToken: string;
let orgId: string;
let expenseId: string;
let url: string;
const HEARTBEAT_MS = 12_000;
/** Bound on one delivery: well under the heartbeat, so a part held back until the next write fails it. */
const DELIVERY_BOUND_MS = HEARTBEAT_MS / 2;
const timings: Record<string, number[]> = {};

const CROSS_SUBGRAPH = `query Orgs { organizations { nodes { id name workflows { nodes { id key name } } } } }`;
const TRANSITION = `mutation Transition($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { id state } }`;
const RUN_UPDATES = `subscription RunUpdates($runId: ID!, $after: String) {
  workflowRunUpdated(runId: $runId, after: $after) { cursor type run { id state startedBy { id name } } }
}`;

beforeAll(async () => {
  platform = await startTestPlatform({ subscriptions: { heartbeatMs: HEARTBEAT_MS } });
  url = platform.gateway.url;
  await seedDemo(url);
  token = await platform.tokenOf(DEMO_USERS.find((u) => u.role === 'MEMBER')!.email);
  adminToken = await platform.tokenOf(DEMO_USERS.find((u) => u.role === 'ADMIN')!.email);
  const res = await platform.gql(`{ organizations { nodes { id slug workflows { nodes { id key } } } } }`, {}, token);
  const org = res.data!.organizations.nodes.find((o: { slug: string }) => o.slug === DEMO_ORGANIZATION.slug);
  orgId = org.id;
  expenseId = org.workflows.nodes.find((w: { key: string }) => w.key === 'expense-approval').id;
});

afterAll(async () => {
  const rows = Object.entries(timings).map(([name, ms]) => `  ${name.padEnd(34)} ${ms.map((m) => `${m.toFixed(1)} ms`).join(', ')}`);
  if (rows.length) console.log(`commit-to-delivery (mutation sent -> event in the client's callback):\n${rows.join('\n')}`);
  await platform?.stop();
});

async function startRun() {
  const res = await platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId: expenseId, data: { amount: 10 } } }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.startWorkflowRun.id as string;
}

async function fire(runId: string, transition: string, as = token) {
  const res = await platform.gql(TRANSITION, { i: { runId, transition } }, as);
  expect(res.errors).toBeUndefined();
}

interface Operations {
  /** Runs a query or mutation as the client does; its data. */
  run(query: string, variables?: Record<string, unknown>): Promise<Record<string, any>>;
  /** A subscription; `events` gets each result's data as the client's callback sees it. */
  subscribe?(query: string, variables: Record<string, unknown>): { events: Array<{ data: any; at: number }>; errors: unknown[]; stop(): void };
  close(): Promise<void> | void;
}

const auth = () => ({ authorization: `Bearer ${token}` });
const wsUrl = () => url.replace(/^http/, 'ws');

function apolloSubscribe(client: ApolloClient) {
  return (query: string, variables: Record<string, unknown>) => {
    const events: Array<{ data: any; at: number }> = [];
    const errors: unknown[] = [];
    const sub = client.subscribe({ query: gql(query), variables }).subscribe({
      next: (result) => (result.error ? errors.push(result.error) : events.push({ data: result.data, at: performance.now() })),
      error: (error) => errors.push(error),
    });
    return { events, errors, stop: () => sub.unsubscribe() };
  };
}

function apolloRun(client: ApolloClient) {
  return async (query: string, variables: Record<string, unknown> = {}) => {
    const document = gql(query);
    const isMutation = document.definitions.some((d) => d.kind === 'OperationDefinition' && d.operation === 'mutation');
    const result = isMutation ? await client.mutate({ mutation: document, variables }) : await client.query({ query: document, variables, fetchPolicy: 'network-only' });
    if (result.error) throw result.error;
    return result.data as Record<string, any>;
  };
}

const CLIENTS: Record<string, () => Operations> = {
  // Apollo Client 4 with HttpLink alone: queries, mutations and multipart subscriptions over HTTP.
  'Apollo Client (HttpLink, multipart)': () => {
    const client = new ApolloClient({ link: new HttpLink({ uri: url, headers: auth() }), cache: new InMemoryCache() });
    return { run: apolloRun(client), subscribe: apolloSubscribe(client), close: () => client.stop() };
  },
  // The split link Apollo's docs show: subscriptions over graphql-ws, the rest over HTTP.
  'Apollo Client (GraphQLWsLink)': () => {
    const ws = createWsClient({ url: wsUrl(), webSocketImpl: WebSocket, connectionParams: auth() });
    const link = ApolloLink.split(
      ({ operationType }) => operationType === 'subscription',
      new GraphQLWsLink(ws),
      new HttpLink({ uri: url, headers: auth() }),
    );
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    return { run: apolloRun(client), subscribe: apolloSubscribe(client), close: async () => (client.stop(), await ws.dispose()) };
  },
  // urql with its default exchanges: queries go as GET (preferGetMethod 'within-url-limit').
  urql: () => {
    const client = createUrqlClient({ url, exchanges: [cacheExchange, fetchExchange], fetchOptions: { headers: auth() }, fetchSubscriptions: true });
    return {
      run: async (query, variables = {}) => {
        const isMutation = /^\s*mutation/.test(query);
        const result = isMutation ? await client.mutation(query, variables).toPromise() : await client.query(query, variables, { requestPolicy: 'network-only' }).toPromise();
        if (result.error) throw result.error;
        return result.data as Record<string, any>;
      },
      subscribe: (query, variables) => {
        const events: Array<{ data: any; at: number }> = [];
        const errors: unknown[] = [];
        const sub = client.subscription(query, variables).subscribe((result) => (result.error ? errors.push(result.error) : events.push({ data: result.data, at: performance.now() })));
        return { events, errors, stop: () => sub.unsubscribe() };
      },
      close: () => {},
    };
  },
  'graphql-ws': () => {
    const client = createWsClient({ url: wsUrl(), webSocketImpl: WebSocket, connectionParams: auth() });
    return {
      run: async (query, variables = {}) => {
        for await (const result of client.iterate({ query, variables })) {
          if (result.errors) throw new Error(JSON.stringify(result.errors));
          return result.data as Record<string, any>;
        }
        throw new Error('no result');
      },
      subscribe: (query, variables) => {
        const events: Array<{ data: any; at: number }> = [];
        const errors: unknown[] = [];
        const stop = client.subscribe({ query, variables }, { next: (r) => (r.errors ? errors.push(r.errors) : events.push({ data: r.data, at: performance.now() })), error: (e) => errors.push(e), complete: () => {} });
        return { events, errors, stop };
      },
      close: () => client.dispose(),
    };
  },
  'graphql-sse (distinct connections)': () => {
    const client = createSseClient({ url, headers: auth() });
    return {
      run: async (query, variables = {}) => {
        for await (const result of client.iterate({ query, variables })) {
          if (result.errors) throw new Error(JSON.stringify(result.errors));
          return result.data as Record<string, any>;
        }
        throw new Error('no result');
      },
      subscribe: (query, variables) => {
        const events: Array<{ data: any; at: number }> = [];
        const errors: unknown[] = [];
        const stop = client.subscribe({ query, variables }, { next: (r) => (r.errors ? errors.push(r.errors) : events.push({ data: r.data, at: performance.now() })), error: (e) => errors.push(e), complete: () => {} });
        return { events, errors, stop };
      },
      close: () => client.dispose(),
    };
  },
  'graphql-http': () => {
    const client = createHttpClient({ url, headers: auth() });
    return {
      run: async (query, variables = {}) => {
        const result = await new Promise<{ data?: unknown; errors?: unknown }>((resolve, reject) => {
          let value: { data?: unknown; errors?: unknown } = {};
          client.subscribe({ query, variables }, { next: (r) => void (value = r as typeof value), error: reject, complete: () => resolve(value) });
        });
        if (result.errors) throw new Error(JSON.stringify(result.errors));
        return result.data as Record<string, any>;
      },
      close: () => client.dispose(),
    };
  },
};

describe.each(Object.keys(CLIENTS))('%s', (name) => {
  let client: Operations;
  beforeAll(() => {
    client = CLIENTS[name]!();
  });
  afterAll(async () => {
    await client?.close();
  });

  it('runs a query whose fields come from two subgraphs', async () => {
    const data = await client.run(CROSS_SUBGRAPH);
    const org = data.organizations.nodes.find((o: { id: string }) => o.id === orgId);
    expect(org.name).toBe(DEMO_ORGANIZATION.name);
    expect(org.workflows.nodes.map((w: { key: string }) => w.key)).toContain('expense-approval');
  });

  it('runs a mutation', async () => {
    const runId = await startRun();
    const data = await client.run(TRANSITION, { i: { runId, transition: 'submit' } });
    expect(data.transitionWorkflowRun).toMatchObject({ id: runId, state: 'submitted' });
  });

  it('receives each subscription event before the next is sent, and resumes by cursor after a drop: every missed event once', async (context) => {
    if (!client.subscribe) return context.skip();
    const runId = await startRun();
    const live = client.subscribe(RUN_UPDATES, { runId });
    const before = platform.gateway.subscriptions.stats().listeners;
    await waitFor(() => platform.gateway.subscriptions.stats().listeners > before || live.errors.length > 0, 'the subscription to be accepted');
    // Accepted means live (docs/protocols/subscriptions.md); one more for clients whose accept is not observable.
    await waitFor(() => platform.gateway.subscriptions.stats().listeners > 0, 'a live listener');
    expect(live.errors).toEqual([]);
    const times = (timings[name] ??= []);
    for (const [index, transition] of (['submit', 'request_changes'] as const).entries()) {
      const sent = performance.now();
      await fire(runId, transition, transition === 'submit' ? token : adminToken);
      await waitFor(() => live.events.length === index + 1 || live.errors.length > 0, `event ${index + 1} in the client (${name})`, DELIVERY_BOUND_MS);
      expect(live.errors).toEqual([]);
      times.push(live.events[index]!.at - sent);
    }
    const cursor = live.events[1]!.data.workflowRunUpdated.cursor as string;
    live.stop(); // the network drops
    await fire(runId, 'submit');
    const resumed = client.subscribe(RUN_UPDATES, { runId, after: cursor });
    await waitFor(() => resumed.events.length === 1 || resumed.errors.length > 0, 'the missed event');
    await fire(runId, 'approve', adminToken);
    await waitFor(() => resumed.events.length === 2 || resumed.errors.length > 0, 'the live event after the resume');
    expect(resumed.errors).toEqual([]);
    const seen = [...live.events, ...resumed.events].map((e) => e.data.workflowRunUpdated);
    expect(seen.map((e) => Number(e.cursor))).toEqual([0, 1, 2, 3].map((i) => Number(live.events[0]!.data.workflowRunUpdated.cursor) + i));
    expect(seen.map((e) => e.run.state)).toEqual(['submitted', 'draft', 'submitted', 'approved']);
    resumed.stop();
  });
});

describe('refusals, read alike by every client', () => {
  const post = (headers: Record<string, string>, body: unknown, method = 'POST') =>
    fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it("refuses graphql-sse's single-connection mode with 405 SSE_SINGLE_CONNECTION_UNSUPPORTED, and its client reports the refusal", async () => {
    const reservation = await fetch(url, { method: 'PUT', headers: auth() });
    expect(reservation.status).toBe(405);
    expect(((await reservation.json()) as any).errors[0].extensions.code).toBe('SSE_SINGLE_CONNECTION_UNSUPPORTED');
    const streamed = await fetch(url, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json', 'x-graphql-event-stream-token': 'x' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(streamed.status).toBe(405);
    expect(((await streamed.json()) as any).errors[0].extensions.code).toBe('SSE_SINGLE_CONNECTION_UNSUPPORTED');
    const client = createSseClient({ url, headers: auth(), singleConnection: true, retryAttempts: 0 });
    const error = await new Promise<unknown>((resolve) => client.subscribe({ query: '{ __typename }' }, { next: () => {}, error: resolve, complete: () => resolve(null) }));
    expect((error as { response?: Response }).response?.status).toBe(405);
    client.dispose();
  });

  it('runs a query over GET but never a mutation (405), which changes nothing', async () => {
    const runId = await startRun();
    const query = `mutation { transitionWorkflowRun(input: { runId: "${runId}", transition: "submit" }) { state } }`;
    for (const accept of ['application/json', 'text/event-stream']) {
      const response = await fetch(`${url}?query=${encodeURIComponent(query)}`, { headers: { ...auth(), accept } });
      expect(response.status).toBe(405);
      expect(((await response.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
    }
    const state = await platform.gql(`query($id: ID!) { workflowRun(id: $id) { state } }`, { id: runId }, token);
    expect(state.data!.workflowRun.state).toBe('draft');
  });

  it('answers GET variables or extensions that are not JSON with 400 BAD_REQUEST, the body holding errors and nothing else, whatever the client accepts', async () => {
    for (const accept of ['application/json', 'text/event-stream', 'multipart/mixed;subscriptionSpec="1.0", application/json']) {
      for (const part of ['variables', 'extensions']) {
        const response = await fetch(`${url}?query=${encodeURIComponent(RUN_UPDATES)}&${part}=${encodeURIComponent('{not json')}`, { headers: { ...auth(), accept } });
        const body = (await response.json()) as Record<string, any>;
        expect({ accept, part, status: response.status, keys: Object.keys(body), code: body.errors?.[0]?.extensions?.code }).toEqual({ accept, part, status: 400, keys: ['errors'], code: 'BAD_REQUEST' });
      }
    }
  });

  it.each([
    ['a bad token', 'Bearer not-a-token'],
    ['a token without its scheme', 'not-a-token'],
  ])('answers %s with the same 401 body on plain HTTP, GET, SSE and multipart, and closes graphql-ws with 4401', async (_what, authorization) => {
    const bad = { authorization };
    const query = { query: CROSS_SUBGRAPH };
    const subscription = { query: RUN_UPDATES, variables: { runId: '00000000-0000-4000-8000-000000000000' } };
    const answers = [
      await post(bad, query),
      await fetch(`${url}?query=${encodeURIComponent(CROSS_SUBGRAPH)}`, { headers: bad }),
      await post({ ...bad, accept: 'text/event-stream' }, query),
      await post({ ...bad, accept: 'text/event-stream' }, subscription),
      await post({ ...bad, accept: 'multipart/mixed;subscriptionSpec="1.0", application/json' }, subscription),
    ];
    const bodies = await Promise.all(answers.map(async (a) => ({ status: a.status, body: (await a.json()) as { data?: unknown; errors: Array<{ message: string; extensions: Record<string, unknown> }> } })));
    for (const { status, body } of bodies) {
      expect(status).toBe(401);
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0]!.extensions).toEqual({ code: 'UNAUTHENTICATED' });
      expect(body.errors[0]!.message).toBe(bodies[0]!.body.errors[0]!.message);
    }
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      const ws = createWsClient({ url: wsUrl(), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: bad, on: { closed: (e) => resolve(e as { code: number; reason: string }) } });
      ws.subscribe({ query: '{ __typename }' }, { next: () => {}, error: () => {}, complete: () => {} });
    });
    expect(closed).toMatchObject({ code: 4401, reason: 'Unauthenticated' });
  });
});
