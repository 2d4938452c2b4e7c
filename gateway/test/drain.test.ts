import { composeServices } from '@apollo/composition';
import { allow, COMMON_SDL, gracefulShutdown, startSubgraphServer, type BaseContext, type RunningServer } from '@organoise/core';
import { TEST_INTERNAL_SECRET, testLog } from '@organoise/core/testing';
import { parse } from 'graphql';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type GatewayOptions, type RunningGateway } from '../src/index.js';

// A graceful stop as a rolling restart needs it (core's shutdown.ts; SIGTERM in the gateway's and
// every subgraph's main.ts): readiness fails first while requests are still served, so a load
// balancer can stop sending; then the close lets the requests in flight finish. A real subgraph
// server with one query that waits for the test to release it, behind the real gateway.
const SDL = parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable"])\n${COMMON_SDL}\ntype Query { slow: String! fast: String! }\ntype Note @key(fields: "id") { id: ID! }`);

let subgraph: RunningServer | undefined;
let gateway: RunningGateway | undefined;
const releases: Array<() => void> = [];
let started = 0;

async function startGraph(gatewayOptions: Partial<GatewayOptions> = {}) {
  subgraph = await startSubgraphServer({
    name: 'slow',
    typeDefs: SDL,
    internalTokenSecret: TEST_INTERNAL_SECRET,
    log: testLog,
    createContext: (ctx: BaseContext) => ctx,
    permissions: { Query: { slow: allow, fast: allow }, Note: { id: allow } },
    resolvers: {
      Query: {
        slow: () =>
          new Promise<string>((resolve) => {
            started++;
            releases.push(() => resolve('finished'));
          }),
        fast: () => 'fast',
      },
      Note: { __resolveReference: (ref: { id: string }) => ref },
    },
  });
  gateway = await startGatewayOver(subgraph.url, gatewayOptions);
  return { subgraph, gateway };
}

/** The real gateway over the one subgraph at `url`. */
function startGatewayOver(url: string, gatewayOptions: Partial<GatewayOptions> = {}) {
  const composed = composeServices([{ name: 'slow', url, typeDefs: SDL }]);
  if (composed.errors) throw composed.errors[0];
  return startGateway({ supergraphSdl: composed.supergraphSdl, internalTokenSecret: TEST_INTERNAL_SECRET, identity: null, log: testLog, web: false, playground: false, ...gatewayOptions });
}

const post = async (url: string, query: string) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, string>; errors?: unknown[] } };
};
const readiness = async (graphqlUrl: string) => {
  const response = await fetch(new URL('/readyz', graphqlUrl));
  return { status: response.status, body: (await response.json()) as { status: string } };
};
const waitUntil = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

afterEach(async () => {
  for (const release of releases.splice(0)) release();
  await gateway?.close().catch(() => {});
  await subgraph?.close().catch(() => {});
  gateway = subgraph = undefined;
  started = 0;
});

describe('graceful shutdown', () => {
  it('the gateway: /readyz says draining while it still answers, then a request in flight finishes before the close ends', async () => {
    const { gateway } = await startGraph();
    expect((await readiness(gateway.url)).status).toBe(200);
    const inFlight = post(gateway.url, '{ slow }');
    await waitUntil(() => started === 1, 'the slow query to reach its resolver');

    let closed = false;
    // No delay here: the drain step is observed directly, then the close runs with the request in flight.
    gateway.drain();
    expect(await readiness(gateway.url)).toEqual({ status: 503, body: { status: 'draining' } });
    expect((await post(gateway.url, '{ fast }')).body).toEqual({ data: { fast: 'fast' } }); // still serving
    const stopping = gracefulShutdown(gateway, 0, testLog).then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(closed).toBe(false); // waits for the request in flight
    releases.shift()!();
    expect(await inFlight).toEqual({ status: 200, body: { data: { slow: 'finished' } } });
    await stopping;
    expect(closed).toBe(true);
    await expect(fetch(gateway.url, { method: 'POST' })).rejects.toThrow(); // no longer listening
  });

  it('a subgraph: /readyz says draining while it still answers, and a request in flight through the gateway is answered', async () => {
    const { subgraph, gateway } = await startGraph();
    const inFlight = post(gateway.url, '{ slow }');
    await waitUntil(() => started === 1, 'the slow query to reach its resolver');
    subgraph.drain();
    expect(await readiness(subgraph.url)).toEqual({ status: 503, body: { status: 'draining', service: 'slow' } });
    // The gateway's readiness follows its subgraphs': a draining one makes it unavailable too.
    expect((await readiness(gateway.url)).status).toBe(503);
    expect((await post(gateway.url, '{ fast }')).body).toEqual({ data: { fast: 'fast' } });
    let closed = false;
    const stopping = gracefulShutdown(subgraph, 0, testLog).then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(closed).toBe(false);
    releases.shift()!();
    expect(await inFlight).toEqual({ status: 200, body: { data: { slow: 'finished' } } });
    await stopping;
    expect(closed).toBe(true);
  });

  it("keeps an idle client connection for the gateway's keep-alive timeout (65 s unless set; Node's is 5 s), past its headers timeout", async () => {
    const { subgraph } = await startGraph({ requestTimeoutMs: 1000, keepAliveTimeoutMs: 20_000 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(new URL('/healthz', gateway!.url), agent);
      expect(first.status).toBe(200);
      // Told to the client, which can close its side first (undici and Node's agent do).
      expect(first.headers['keep-alive']).toBe('timeout=20');
      // Idle longer than the headers timeout (1 s here) and its checking interval: still open.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const second = await get(new URL('/healthz', gateway!.url), agent);
      expect(second).toMatchObject({ status: 200, reused: true });
      expect(second.socket).toBe(first.socket);
    } finally {
      agent.destroy();
    }
    await gateway!.close();
    const defaults = await startGatewayOver(subgraph.url);
    gateway = defaults;
    const agent2 = new http.Agent({ keepAlive: true });
    try {
      expect((await get(new URL('/healthz', defaults.url), agent2)).headers['keep-alive']).toBe('timeout=65');
    } finally {
      agent2.destroy();
    }
  });

  it('draining, every answer (gateway and subgraph) says Connection: close and its connection ends, so the next request opens a new one elsewhere', async () => {
    const { subgraph, gateway } = await startGraph();
    for (const server of [gateway, subgraph]) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const before = await get(new URL('/healthz', server.url), agent);
        expect(before.headers.connection).toBe('keep-alive');
        server.drain();
        const during = await get(new URL('/healthz', server.url), agent);
        expect(during).toMatchObject({ status: 200, reused: true });
        expect(during.headers.connection).toBe('close');
        await waitUntil(() => during.socket.destroyed, 'the server to end the connection');
        const after = await get(new URL('/healthz', server.url), agent);
        expect(after.reused).toBe(false);
      } finally {
        agent.destroy();
      }
    }
  });

  it('a close without a drain before it still ends a kept-alive connection once its answer is sent (it would otherwise hold the close for the keep-alive timeout)', async () => {
    const { gateway } = await startGraph();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const inFlight = request(gateway.url, agent, JSON.stringify({ query: '{ slow }' }));
      await waitUntil(() => started === 1, 'the slow query to reach its resolver');
      let closed = false;
      const closing = gateway.close().then(() => (closed = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(closed).toBe(false);
      releases.shift()!();
      const answer = await inFlight;
      expect({ status: answer.status, body: JSON.parse(answer.body) }).toEqual({ status: 200, body: { data: { slow: 'finished' } } });
      expect(answer.headers.connection).toBe('close');
      await closing;
    } finally {
      agent.destroy();
    }
  });
});

/** A POST of a GraphQL body through a given agent. */
function request(url: string, agent: http.Agent, body: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const sent = http.request(url, { agent, method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

/** A GET through a given agent: its status, headers, socket and whether the agent reused a connection for it. */
function get(url: URL, agent: http.Agent) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; socket: import('node:net').Socket; reused: boolean }>((resolve, reject) => {
    const request = http.get(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, socket: response.socket, reused: request.reusedSocket }));
    });
    request.on('error', reject);
  });
}
