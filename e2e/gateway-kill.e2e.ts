import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SUBGRAPH_NAMES, subgraphUrlSetting } from '@organoise/core';
import { freePort, TEST_INTERNAL_SECRET, waitFor } from '@organoise/core/testing';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestPlatform, type TestPlatform } from './harness.js';

// A gateway killed (SIGKILL) under a live subscriber while writes go on: the gateway runs as its
// own process (gateway/src/main.ts, as in production) in front of the test platform's subgraphs;
// the subscriber resumes with its last cursor on the platform's other gateway and must see every
// acknowledged write exactly once, in order.
const GATEWAY_MAIN = fileURLToPath(new URL('../gateway/src/main.ts', import.meta.url));
const RUNS = `subscription($org: ID!, $after: String) { workflowRunsChanged(organizationId: $org, after: $after) { cursor type run { id } } }`;
const WRITES = 40;
const KILL_AFTER = 12;

let platform: TestPlatform;
let gatewayProcess: ChildProcess | null = null;
let gatewayUrl: string;
let token: string;
let orgId: string;
let definitionId: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  const signUp = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email: `kill-${randomUUID()}@example.com`, password: 'kill password 123', name: 'Kill' } });
  token = signUp.data!.signUp.accessToken;
  orgId = (await platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Kill', slug: `kill-${Date.now()}` } }, token)).data!.createOrganization.id;
  definitionId = (
    await platform.gql(
      `mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }`,
      { i: { organizationId: orgId, key: 'kill', name: 'Kill', initialState: 'open', states: [{ name: 'open' }, { name: 'done', final: true }], transitions: [{ name: 'finish', from: 'open', to: 'done', allowedRoles: ['OWNER'] }] } },
      token,
    )
  ).data!.createWorkflowDefinition.id;
  const port = await freePort();
  const url = (name: keyof TestPlatform['subgraphs']) => platform.subgraphs[name].url;
  gatewayProcess = spawn(process.execPath, ['--import', 'tsx', GATEWAY_MAIN], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      // Every subgraph's URL, from the one list: the gateway is ready only once each answers.
      ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [subgraphUrlSetting(name), url(name)])),
      INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
      ACCESS_TOKEN_ISSUER: 'organoise-e2e',
      GATEWAY_WORKERS: '1',
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  gatewayUrl = `http://127.0.0.1:${port}/graphql`;
  const child = gatewayProcess;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`the gateway process exited with ${child.exitCode}`);
      return fetch(new URL('/readyz', gatewayUrl)).then((r) => r.ok, () => false);
    },
    'the gateway process to be ready',
    60_000,
  );
}, 180_000);

afterAll(async () => {
  if (gatewayProcess && gatewayProcess.exitCode === null && gatewayProcess.signalCode === null) gatewayProcess.kill('SIGKILL');
  await platform?.stop();
});

describe('a gateway killed under a subscriber', () => {
  it('loses nothing: the subscriber resumes by cursor on another gateway and gets every acknowledged write once, in order', async () => {
    const seen: string[] = [];
    let cursor: string | null = '0';
    let resumedAt: number | null = null;
    let killedAt = 0;
    const clients: Client[] = [];
    // Subscribes on a gateway from the last cursor; a close (the gateway died) resumes on the other.
    const follow = (url: string, onClosed?: () => void) => {
      const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
      clients.push(client);
      const accepted = new Promise<void>((resolve) => client.on('connected', () => resolve()));
      client.subscribe(
        { query: RUNS, variables: { org: orgId, after: cursor } },
        {
          next: (result) => {
            const event = (result.data as { workflowRunsChanged?: { cursor: string; run: { id: string } } } | undefined)?.workflowRunsChanged;
            if (!event) return;
            if (resumedAt === null && killedAt) resumedAt = Date.now();
            seen.push(event.run.id);
            cursor = event.cursor;
          },
          error: () => onClosed?.(),
          complete: () => onClosed?.(),
        },
      );
      return accepted;
    };
    let resumed = false;
    await follow(gatewayUrl, () => {
      if (resumed) return;
      resumed = true;
      void follow(platform.gateway.url);
    });
    // From the stream's start (the organization is new): nothing can fall before the subscription.
    const acknowledged: string[] = [];
    const write = async () => {
      const res = await platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId, idempotencyKey: randomUUID() } }, token);
      expect(res.errors).toBeUndefined();
      acknowledged.push(res.data!.startWorkflowRun.id);
    };
    await waitFor(async () => {
      if (acknowledged.length === 0) await write();
      return seen.length === 1;
    }, 'the first event through the process gateway', 20_000);
    for (let i = 1; i < WRITES; i++) {
      if (i === KILL_AFTER) {
        gatewayProcess!.kill('SIGKILL');
        killedAt = Date.now();
      }
      await write();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await waitFor(() => seen.length >= acknowledged.length, 'every acknowledged write on the subscriber', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a duplicate would arrive now
    expect(resumed).toBe(true);
    expect(seen).toEqual(acknowledged);
    console.log(`gateway-kill drill: ${acknowledged.length} writes, ${seen.length} events, 0 lost, 0 duplicated; first event after the kill ${resumedAt! - killedAt} ms later`);
    await Promise.allSettled(clients.map((c) => c.dispose()));
  });
});
