import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { codesOf, postGraphQL, TEST_INTERNAL_SECRET, testEnv, testLog, waitFor } from '@organoise/core/testing';
import { loadSupergraph, startGateway, type RunningGateway } from '@organoise/gateway';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './harness.js';

// The gateway cannot reach the user subgraph, which verifies every credential (its JWKS, session
// and API key look-ups). Nothing then says the credentials are bad: a client told UNAUTHENTICATED
// would throw its tokens away and sign its person out. Every transport answers "retry later"
// (SUBGRAPH_UNAVAILABLE, 503; 1013 on graphql-ws). The outage is a TCP proxy in front of the user
// subgraph that the test closes: the subgraph itself keeps running for the rest of the platform.
// Postgres only: the drill needs one platform, not one per database.

const VIEWER = `{ viewer { id } }`;
const SUBSCRIBE = `subscription($o: ID!) { membershipChanged(organizationId: $o) { cursor } }`;

/** A TCP proxy to `port` that can be cut (every connection dropped, new ones refused) and restored. */
async function cuttableProxy(port: number) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  const listen = (at: number) =>
    new Promise<number>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(port, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(at, '127.0.0.1', () => resolve((server!.address() as net.AddressInfo).port));
    });
  const proxyPort = await listen(0);
  return {
    url: `http://127.0.0.1:${proxyPort}/graphql`,
    cut: async () => {
      const closed = new Promise((resolve) => server!.close(resolve));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: () => listen(proxyPort),
  };
}

describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('the gateway while the user subgraph is out of reach', () => {
  let platform: TestPlatform;
  let proxy: Awaited<ReturnType<typeof cuttableProxy>>;
  let gateway: RunningGateway;
  let token: string;
  let orgId: string;
  let apiKey: string;

  beforeAll(async () => {
    platform = await startTestPlatform();
    const signUp = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email: `outage-${randomUUID()}@example.com`, password: 'outage password 123', name: 'Outage' } });
    token = signUp.data!.signUp.accessToken;
    orgId = (await platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Outage', slug: `outage-${Date.now()}` } }, token)).data!.createOrganization.id;
    apiKey = (await platform.gql(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { organizationId: orgId, name: 'outage', role: 'VIEWER' } }, token)).data!.createApiKey.secret;
    proxy = await cuttableProxy(Number(new URL(platform.subgraphs.user.url).port));
    await proxy.cut();
    gateway = await startGateway({
      supergraphSdl: loadSupergraph(),
      subgraphUrls: { ...Object.fromEntries(Object.entries(platform.subgraphs).map(([name, s]) => [name, s.url])), user: proxy.url },
      internalTokenSecret: TEST_INTERNAL_SECRET,
      identity: { issuer: 'organoise-e2e', principalCacheMs: 200 },
      subgraphTimeoutMs: 2000,
      log: testLog,
    });
  }, 180_000);

  afterAll(async () => {
    await gateway?.close();
    await proxy?.cut().catch(() => {});
    await platform?.stop();
  });

  /** What each transport answers for the credentials: HTTP, SSE and graphql-ws. */
  async function answers(authorization: string) {
    const http = await postGraphQL(gateway.url, VIEWER, {}, { authorization });
    const sse = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization },
      body: JSON.stringify({ query: SUBSCRIBE, variables: { o: orgId } }),
    });
    const sseBody = sse.headers.get('content-type')?.includes('json') ? ((await sse.json()) as { errors?: { extensions?: { code?: string } }[] }) : (await sse.body?.cancel(), {});
    const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const ws = await new Promise<string>((resolve) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } })));
      socket.on('message', (raw) => {
        if (JSON.parse(String(raw)).type === 'connection_ack') resolve('ack');
      });
      socket.on('close', (code) => resolve(String(code)));
      socket.on('error', () => {});
    });
    socket.close();
    return {
      http: { status: http.status, codes: codesOf(http) },
      sse: { status: sse.status, codes: (sseBody.errors ?? []).map((e) => e.extensions?.code) },
      ws,
    };
  }

  const retryLater = { http: { status: 503, codes: ['SUBGRAPH_UNAVAILABLE'] }, sse: { status: 503, codes: ['SUBGRAPH_UNAVAILABLE'] }, ws: '1013' };

  it('answers an access token it cannot check yet (no signing keys fetched) with SUBGRAPH_UNAVAILABLE, never UNAUTHENTICATED', async () => {
    expect(await answers(`Bearer ${token}`)).toEqual(retryLater);
  });

  it('answers an API key it cannot look up with SUBGRAPH_UNAVAILABLE', async () => {
    expect(await answers(`ApiKey ${apiKey}`)).toEqual(retryLater);
  });

  it('answers SUBGRAPH_UNAVAILABLE, not a 5xx, when the user subgraph refuses the look-ups themselves (internal secrets out of step)', async () => {
    // A gateway signing its internal tokens with another secret than the platform's (a rotation
    // half done): the user subgraph answers the API key and session look-ups with a 4xx that says
    // nothing about the credentials, so the answer is still "retry later".
    const outOfStep = await startGateway({
      supergraphSdl: loadSupergraph(),
      subgraphUrls: Object.fromEntries(Object.entries(platform.subgraphs).map(([name, s]) => [name, s.url])),
      internalTokenSecret: `${TEST_INTERNAL_SECRET}-rotated`,
      identity: { issuer: 'organoise-e2e', principalCacheMs: 200 },
      subgraphTimeoutMs: 2000,
      log: testLog,
    });
    try {
      for (const authorization of [`ApiKey ${apiKey}`, `Bearer ${token}`]) {
        const http = await postGraphQL(outOfStep.url, VIEWER, {}, { authorization });
        expect({ authorization: authorization.split(' ')[0], status: http.status, codes: codesOf(http) }).toEqual({
          authorization: authorization.split(' ')[0],
          status: 503,
          codes: ['SUBGRAPH_UNAVAILABLE'],
        });
      }
    } finally {
      await outOfStep.close();
    }
  });

  it('accepts the same token once the user subgraph is back, and answers SUBGRAPH_UNAVAILABLE again when its session cannot be looked up', async () => {
    await proxy.restore();
    await waitFor(async () => (await postGraphQL(gateway.url, VIEWER, {}, { authorization: `Bearer ${token}` })).status === 200, 'the gateway to verify the token again', 20_000);
    const back = await answers(`Bearer ${token}`);
    expect(back.http.status).toBe(200);
    expect(back.ws).toBe('ack');
    // Signing keys are cached now; the session look-up (cached 200 ms) is what fails next.
    await proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await answers(`Bearer ${token}`)).toEqual(retryLater);
    // A token that is bad whatever the user subgraph says is still refused as such.
    const bad = await postGraphQL(gateway.url, VIEWER, {}, { authorization: 'Bearer not-a-token' });
    expect({ status: bad.status, codes: codesOf(bad) }).toEqual({ status: 401, codes: ['UNAUTHENTICATED'] });
  });
});
