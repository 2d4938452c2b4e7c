import { composeServices } from '@apollo/composition';
import { allow, COMMON_SDL, gracefulShutdown, startSubgraphServer, type BaseContext, type RunningServer } from '@organoise/core';
import { TEST_INTERNAL_SECRET, testLog } from '@organoise/core/testing';
import { parse } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../src/index.js';

// A graceful stop as a rolling restart needs it (core's shutdown.ts; SIGTERM in the gateway's and
// every subgraph's main.ts): readiness fails first while requests are still served, so a load
// balancer can stop sending; then the close lets the requests in flight finish. A real subgraph
// server with one query that waits for the test to release it, behind the real gateway.
const SDL = parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable"])\n${COMMON_SDL}\ntype Query { slow: String! fast: String! }\ntype Note @key(fields: "id") { id: ID! }`);

let subgraph: RunningServer | undefined;
let gateway: RunningGateway | undefined;
const releases: Array<() => void> = [];
let started = 0;

async function startGraph() {
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
  const composed = composeServices([{ name: 'slow', url: subgraph.url, typeDefs: SDL }]);
  if (composed.errors) throw composed.errors[0];
  gateway = await startGateway({ supergraphSdl: composed.supergraphSdl, internalTokenSecret: TEST_INTERNAL_SECRET, identity: null, log: testLog, web: false, playground: false });
  return { subgraph, gateway };
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
});
