import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { codesOf, postGraphQL, TEST_INTERNAL_SECRET, testLog } from '@organoise/core/testing';
import { loadSupergraph, startGateway, type RunningGateway } from '@organoise/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './harness.js';

// Idempotency keys (docs/protocols/idempotency.md) through the gateway: a retry with the same key
// creates nothing more and answers with the first attempt's object, also when the first
// attempt's answer was lost after the write committed (a proxy drops the subgraph's response).
let platform: TestPlatform;
let owner: { id: string; token: string };
let other: { id: string; token: string };
let orgId: string;
let definitionId: string;

const DEFINITION = {
  name: 'Keys',
  initialState: 'open',
  states: [{ name: 'open' }, { name: 'closed', final: true }],
  transitions: [{ name: 'close', from: 'open', to: 'closed', allowedRoles: ['OWNER'] }],
};
const START = `mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id state } }`;
const RUN_COUNT = `query($id: ID!) { organization(id: $id) { workflowRuns(first: 100) { nodes { id } } } }`;

async function signUp(name: string) {
  const email = `${name}-${randomUUID()}@example.com`;
  const res = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, { i: { email, password: `${name} password 123`, name } });
  expect(res.errors).toBeUndefined();
  return { id: res.data!.signUp.user.id as string, token: res.data!.signUp.accessToken as string };
}

const runIds = async () => ((await platform.gql(RUN_COUNT, { id: orgId }, owner.token)).data!.organization.workflowRuns.nodes as { id: string }[]).map((n) => n.id);

beforeAll(async () => {
  platform = await startTestPlatform();
  owner = await signUp('owner');
  other = await signUp('other');
  const org = await platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Keys', slug: `keys-${Date.now()}` } }, owner.token);
  orgId = org.data!.createOrganization.id;
  const def = await platform.gql(`mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }`, { i: { organizationId: orgId, key: 'keys', ...DEFINITION } }, owner.token);
  definitionId = def.data!.createWorkflowDefinition.id;
}, 180_000);

afterAll(async () => {
  await platform?.stop();
});

describe('idempotency keys', () => {
  it('starts a run once for a key: the retry answers with the same run and nothing more is created', async () => {
    const key = randomUUID();
    const before = await runIds();
    const first = await platform.gql(START, { i: { definitionId, idempotencyKey: key } }, owner.token);
    const retry = await platform.gql(START, { i: { definitionId, idempotencyKey: key } }, owner.token);
    expect(first.errors).toBeUndefined();
    expect(retry.data).toEqual(first.data);
    expect(await runIds()).toHaveLength(before.length + 1);
  });

  it('answers concurrent attempts with one key with one run', async () => {
    const key = randomUUID();
    const before = await runIds();
    const answers = await Promise.all(Array.from({ length: 6 }, () => platform.gql(START, { i: { definitionId, idempotencyKey: key } }, owner.token)));
    for (const a of answers) expect(a.errors).toBeUndefined();
    expect(new Set(answers.map((a) => a.data!.startWorkflowRun.id)).size).toBe(1);
    expect(await runIds()).toHaveLength(before.length + 1);
  });

  it('refuses the same key for another input with IDEMPOTENCY_KEY_REUSED, changing nothing', async () => {
    const key = randomUUID();
    await platform.gql(START, { i: { definitionId, idempotencyKey: key } }, owner.token);
    const before = await runIds();
    const reused = await platform.gql(START, { i: { definitionId, data: { other: true }, idempotencyKey: key } }, owner.token);
    expect(codesOf(reused)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    const elsewhere = await platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'X', slug: `x-${Date.now()}`, idempotencyKey: key } }, owner.token);
    expect(elsewhere.errors).toBeUndefined(); // each subgraph keeps its own keys: another mutation there is a new write
    expect(await runIds()).toEqual(before);
  });

  it("keeps each caller's keys apart: another person's same key is their own write, and never reveals the first", async () => {
    const key = randomUUID();
    await platform.gql(START, { i: { definitionId, idempotencyKey: key } }, owner.token);
    const stranger = await platform.gql(START, { i: { definitionId, idempotencyKey: key } }, other.token);
    expect(codesOf(stranger)).toEqual(['NOT_FOUND']); // not a member: refused as without a key
  });

  it('records nothing for a refused attempt: the same key then works for the corrected request', async () => {
    const key = randomUUID();
    const refused = await platform.gql(START, { i: { definitionId: randomUUID(), idempotencyKey: key } }, owner.token);
    expect(codesOf(refused)).toEqual(['NOT_FOUND']);
    const corrected = await platform.gql(START, { i: { definitionId, idempotencyKey: key } }, owner.token);
    expect(corrected.errors).toBeUndefined();
  });

  it('refuses a malformed key with BAD_USER_INPUT', async () => {
    const res = await platform.gql(START, { i: { definitionId, idempotencyKey: 'short' } }, owner.token);
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
  });

  it('creates an organization, a workflow definition and a file once per key', async () => {
    const orgKey = randomUUID();
    const slug = `once-${Date.now()}`;
    const create = () => platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id slug viewerRole } }`, { i: { name: 'Once', slug, idempotencyKey: orgKey } }, owner.token);
    const [a, b] = [await create(), await create()];
    expect(a.errors).toBeUndefined();
    expect(b.data).toEqual(a.data);

    const defKey = randomUUID();
    const define = () => platform.gql(`mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id key } }`, { i: { organizationId: orgId, key: `once-${Date.now() % 100000}`, ...DEFINITION, idempotencyKey: defKey } }, owner.token);
    const first = await define();
    expect(first.errors).toBeUndefined();
    const again = await platform.gql(`mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id key } }`, { i: { organizationId: orgId, key: first.data!.createWorkflowDefinition.key, ...DEFINITION, idempotencyKey: defKey } }, owner.token);
    expect(again.data).toEqual(first.data); // without the key this would be CONFLICT

    const fileKey = randomUUID();
    const upload = () =>
      platform.gql(`mutation($i: UploadFileInput!) { uploadFile(input: $i) { id name } }`, { i: { organizationId: orgId, name: 'once.txt', contentType: 'text/plain', contentBase64: Buffer.from('once').toString('base64'), idempotencyKey: fileKey } }, owner.token);
    const [f1, f2] = [await upload(), await upload()];
    expect(f1.errors).toBeUndefined();
    expect(f2.data).toEqual(f1.data);
    const files = await platform.gql(`query($id: ID!) { organization(id: $id) { files(first: 100) { nodes { name } } } }`, { id: orgId }, owner.token);
    expect(files.data!.organization.files.nodes.filter((f: { name: string }) => f.name === 'once.txt')).toHaveLength(1);
  });
});

describe('a write whose answer is lost', () => {
  let proxy: net.Server;
  let lossy: RunningGateway;

  beforeAll(async () => {
    // Between a second gateway and the workflow subgraph: requests go through, every answer is
    // dropped (the connection is cut when the first bytes of the response come back).
    const target = new URL(platform.subgraphs.workflow.url);
    proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      client.pipe(upstream);
      upstream.once('data', () => {
        client.destroy();
        upstream.destroy();
      });
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxied = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}/graphql`;
    lossy = await startGateway({
      supergraphSdl: loadSupergraph(),
      subgraphUrls: { ...Object.fromEntries(Object.entries(platform.subgraphs).map(([name, s]) => [name, s.url])), workflow: proxied },
      internalTokenSecret: TEST_INTERNAL_SECRET,
      identity: { issuer: 'organoise-e2e', principalCacheMs: 1000 },
      log: testLog,
    });
  });

  afterAll(async () => {
    await lossy?.close();
    await new Promise<void>((resolve) => proxy?.close(() => resolve()));
  });

  it('is answered OUTCOME_UNKNOWN, and a retry with the same key completes it exactly once', async () => {
    const key = randomUUID();
    const before = await runIds();
    const lost = await postGraphQL(lossy.url, START, { i: { definitionId, idempotencyKey: key } }, { authorization: `Bearer ${owner.token}` });
    expect(codesOf(lost)).toEqual(['OUTCOME_UNKNOWN']);
    expect(lost.errors![0]!.extensions).toMatchObject({ reason: 'connection-lost' });
    // It did commit: the answer was lost, not the write.
    const committed = await runIds();
    expect(committed).toHaveLength(before.length + 1);
    const retry = await platform.gql(START, { i: { definitionId, idempotencyKey: key } }, owner.token);
    expect(retry.errors).toBeUndefined();
    expect(committed).toContain(retry.data!.startWorkflowRun.id);
    expect(await runIds()).toHaveLength(before.length + 1);
  });
});
