import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { codesOf, freePort, postGraphQL, TEST_INTERNAL_SECRET, testEnv, testLog, waitFor } from '@organoise/core/testing';
import { loadSupergraph, startGateway, type RunningGateway } from '@organoise/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './harness.js';

// Fault drills on a real process: the workflow subgraph runs as its own process (on the test's
// Postgres database, so only in the postgres project: PGlite cannot be shared between processes)
// behind a second gateway, and is paused (SIGSTOP) or killed (SIGKILL). Each drill checks the
// write-truth promise: an acknowledged write exists exactly once; a write answered with an error
// either does not exist or is completed, once, by retrying with its idempotency key.
const WORKFLOW_MAIN = fileURLToPath(new URL('../subgraphs/workflow/src/main.ts', import.meta.url));
const START = `mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`;

let platform: TestPlatform;
let gateway: RunningGateway;
let workflow: ChildProcess | null = null;
let workflowPort: number;
let token: string;
let orgId: string;
let definitionId: string;

async function startWorkflowProcess() {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKFLOW_MAIN], {
    env: { ...process.env, PORT: String(workflowPort), HOST: '127.0.0.1', WORKFLOW_DATABASE_URL: platform.database.url, INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  workflow = child;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`the workflow process exited with ${child.exitCode}`);
      return fetch(`http://127.0.0.1:${workflowPort}/readyz`).then((r) => r.ok, () => false);
    },
    'the workflow process to be ready',
    60_000,
  );
}

async function stopWorkflowProcess(signal: NodeJS.Signals = 'SIGKILL') {
  const child = workflow;
  workflow = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGCONT');
  child.kill(signal);
  await exited;
}

const gql = (query: string, variables: Record<string, unknown>) => postGraphQL(gateway.url, query, variables, { authorization: `Bearer ${token}` });
const runIds = async () =>
  ((await platform.gql(`query($id: ID!) { organization(id: $id) { workflowRuns(first: 100) { nodes { id } } } }`, { id: orgId }, token)).data!.organization.workflowRuns.nodes as { id: string }[]).map((n) => n.id);

describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('fault drills: the workflow subgraph as its own process', () => {
  beforeAll(async () => {
    platform = await startTestPlatform();
    const email = `drill-${randomUUID()}@example.com`;
    const signUp = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email, password: 'drill password 123', name: 'Drill' } });
    token = signUp.data!.signUp.accessToken;
    orgId = (await platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Drill', slug: `drill-${Date.now()}` } }, token)).data!.createOrganization.id;
    definitionId = (
      await platform.gql(
        `mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }`,
        { i: { organizationId: orgId, key: 'drill', name: 'Drill', initialState: 'open', states: [{ name: 'open' }, { name: 'done', final: true }], transitions: [{ name: 'finish', from: 'open', to: 'done', allowedRoles: ['OWNER'] }] } },
        token,
      )
    ).data!.createWorkflowDefinition.id;
    workflowPort = await freePort();
    await startWorkflowProcess();
    gateway = await startGateway({
      supergraphSdl: loadSupergraph(),
      subgraphUrls: { ...Object.fromEntries(Object.entries(platform.subgraphs).map(([name, s]) => [name, s.url])), workflow: `http://127.0.0.1:${workflowPort}/graphql` },
      internalTokenSecret: TEST_INTERNAL_SECRET,
      identity: { issuer: 'organoise-e2e', principalCacheMs: 1000 },
      subgraphTimeoutMs: 1500,
      log: testLog,
    });
  }, 180_000);

  afterAll(async () => {
    await gateway?.close();
    await stopWorkflowProcess();
    await platform?.stop();
  });

  it('a paused subgraph (SIGSTOP): OUTCOME_UNKNOWN, and the retry with the same key completes the write exactly once', async () => {
    const key = randomUUID();
    const before = await runIds();
    workflow!.kill('SIGSTOP');
    let answer;
    try {
      answer = await gql(START, { i: { definitionId, idempotencyKey: key } });
    } finally {
      workflow!.kill('SIGCONT');
    }
    expect(codesOf(answer)).toEqual(['OUTCOME_UNKNOWN']);
    expect(answer.errors![0]!.extensions).toMatchObject({ reason: 'timeout', serviceName: 'workflow' });
    const resumed = Date.now();
    // The paused process reads the request it was sent once it runs again: the outcome really was unknown.
    let retry;
    await waitFor(async () => {
      retry = await gql(START, { i: { definitionId, idempotencyKey: key } });
      return !retry.errors;
    }, 'the retry to succeed', 20_000);
    console.log(`SIGSTOP drill: the retry succeeded ${Date.now() - resumed} ms after SIGCONT`);
    const after = await runIds();
    expect(after).toHaveLength(before.length + 1);
    expect(after).toContain(retry!.data!.startWorkflowRun.id);
  });

  it('a killed subgraph (SIGKILL): SUBGRAPH_UNAVAILABLE and nothing written; after a restart the retry writes once', async () => {
    const key = randomUUID();
    const before = await runIds();
    await stopWorkflowProcess('SIGKILL');
    const refused = await gql(START, { i: { definitionId, idempotencyKey: key } });
    expect(codesOf(refused)).toEqual(['SUBGRAPH_UNAVAILABLE']);
    expect(await runIds()).toEqual(before);
    const down = Date.now();
    await startWorkflowProcess();
    const retry = await gql(START, { i: { definitionId, idempotencyKey: key } });
    expect(retry.errors).toBeUndefined();
    console.log(`SIGKILL drill: writes succeeded again ${Date.now() - down} ms after the restart began`);
    const again = await gql(START, { i: { definitionId, idempotencyKey: key } });
    expect(again.data).toEqual(retry.data);
    expect(await runIds()).toHaveLength(before.length + 1);
  });
});
