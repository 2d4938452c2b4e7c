import { composeServices } from '@apollo/composition';
import { startPrivatePostgres, TEST_INTERNAL_SECRET, testEnv, testLog, waitFor, type PrivatePostgres } from '@organoise/core/testing';
import { startUserSubgraph, typeDefs, type UserSubgraph } from '@organoise/subgraph-user';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../src/index.js';

// Readiness tells the truth about the database: the user subgraph on a PostgreSQL of this test's
// own (initdb on a free port; the machine's shared server is never touched), stopped and started
// again under a gateway. Runs once, in the postgres project.
let pg: PrivatePostgres;
let user: UserSubgraph;
let gateway: RunningGateway;

const probe = async (url: string) => {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('readiness', () => {
  beforeAll(async () => {
    pg = await startPrivatePostgres();
    user = await startUserSubgraph({ database: { url: pg.url }, internalTokenSecret: TEST_INTERNAL_SECRET, tokens: { issuer: 'readiness', ttlSeconds: 600 }, sessionTtlSeconds: 3600, log: testLog });
    const composed = composeServices([{ name: 'user', url: user.url, typeDefs }]);
    if (composed.errors) throw composed.errors[0];
    gateway = await startGateway({ supergraphSdl: composed.supergraphSdl!, internalTokenSecret: TEST_INTERNAL_SECRET, identity: { issuer: 'readiness', principalCacheMs: 1000 }, log: testLog });
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await user?.close();
    await pg?.destroy();
  });

  it("fails the subgraph's and the gateway's /readyz while the subgraph's database is down, and recovers with it", async () => {
    const subgraphReady = new URL('/readyz', user.url).toString();
    const gatewayReady = new URL('/readyz', gateway.url).toString();
    expect(await probe(subgraphReady)).toEqual({ status: 200, body: { status: 'ready', service: 'user' } });
    expect(await probe(gatewayReady)).toEqual({ status: 200, body: { status: 'ready', subgraphs: { user: 'ok' } } });

    await pg.stop();
    expect((await probe(subgraphReady)).status).toBe(503);
    expect(await probe(gatewayReady)).toEqual({ status: 503, body: { status: 'unavailable', subgraphs: { user: 'unavailable' } } });
    expect((await fetch(new URL('/healthz', gateway.url))).status).toBe(200); // alive, not ready

    await pg.start();
    await waitFor(async () => (await probe(subgraphReady)).status === 200, 'the subgraph to be ready again', 20_000);
    expect((await probe(gatewayReady)).status).toBe(200);
  });
});
