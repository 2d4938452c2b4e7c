import { randomUUID } from 'node:crypto';
import { testEnv } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './harness.js';

// A file is attached to a workflow run (uploadFile's and attachFileToRun's workflowRunId) only when
// the run is in the file's organization and the caller may see it; any other run id, existing or
// not, is NOT_FOUND and nothing is written (issue 11, finding 7; docs/decisions/0008). The file
// subgraph asks the workflow subgraph, so a run created a moment ago, through another replica,
// is attachable at once.
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform();
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

const b64 = (text: string) => Buffer.from(text).toString('base64');
const UPLOAD = `mutation($i: UploadFileInput!) { uploadFile(input: $i) { id workflowRun { id } } }`;
const ATTACH = `mutation($i: AttachFileToRunInput!) { attachFileToRun(input: $i) { id workflowRun { id } } }`;
const START = `mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`;

async function signUp(name: string) {
  const res = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email: `${name}-${randomUUID()}@example.com`, password: `${name} password 123`, name } });
  expect(res.errors).toBeUndefined();
  return res.data!.signUp.accessToken as string;
}

/** An organization of `token`'s owner with one workflow definition. */
async function organization(token: string, name: string) {
  const org = await platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name, slug: `${name.toLowerCase()}-${randomUUID().slice(0, 8)}` } }, token);
  expect(org.errors).toBeUndefined();
  const orgId = org.data!.createOrganization.id as string;
  const definition = await platform.gql(
    `mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }`,
    { i: { organizationId: orgId, key: 'review', name: 'Review', initialState: 'open', states: [{ name: 'open' }, { name: 'done', final: true }], transitions: [{ name: 'finish', from: 'open', to: 'done', allowedRoles: ['OWNER'] }] } },
    token,
  );
  expect(definition.errors).toBeUndefined();
  return { orgId, definitionId: definition.data!.createWorkflowDefinition.id as string };
}

async function startRun(gateway: TestPlatform, token: string, definitionId: string) {
  const res = await gateway.gql(START, { i: { definitionId } }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.startWorkflowRun.id as string;
}

const codes = (res: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => (res.errors ?? []).map((e) => e.extensions?.code);
/** The statements of the file subgraph that write, since the last reset (the event log's periodic trim aside). */
const fileWrites = (p: TestPlatform) => p.queries.file.filter((sql) => /^\s*(insert|update|delete)\b/i.test(sql) && !/^\s*delete from "files"\."events"/i.test(sql));

let alice: string;
let bob: string;
let orgA: { orgId: string; definitionId: string };
let orgB: { orgId: string; definitionId: string };
let orgC: { orgId: string; definitionId: string };

beforeAll(async () => {
  alice = await signUp('alice');
  bob = await signUp('bob');
  // Alice owns A and B (she can see B's runs); Bob owns C (she cannot see C's).
  orgA = await organization(alice, 'Alpha');
  orgB = await organization(alice, 'Beta');
  orgC = await organization(bob, 'Gamma');
}, 60_000);

describe("a file's workflow run", () => {
  it("refuses another organization's run, one the caller sees and one they do not, and a run that does not exist, with NOT_FOUND, writing nothing", async () => {
    const visibleForeignRun = await startRun(platform, alice, orgB.definitionId);
    const hiddenForeignRun = await startRun(platform, bob, orgC.definitionId);
    const file = await platform.gql(UPLOAD, { i: { organizationId: orgA.orgId, name: 'plain.txt', contentType: 'text/plain', contentBase64: b64('plain') } }, alice);
    expect(file.errors).toBeUndefined();
    const fileId = file.data!.uploadFile.id as string;
    const listed = async () => (await platform.gql(`query($id: ID!) { organization(id: $id) { files { totalCount } } }`, { id: orgA.orgId }, alice)).data!.organization.files.totalCount as number;
    const before = await listed();

    for (const runId of [visibleForeignRun, hiddenForeignRun, randomUUID()]) {
      platform.resetQueries();
      const upload = await platform.gql(UPLOAD, { i: { organizationId: orgA.orgId, name: 'planted.txt', contentType: 'text/plain', contentBase64: b64('planted'), workflowRunId: runId } }, alice);
      expect(upload.data).toBeNull();
      expect(codes(upload)).toEqual(['NOT_FOUND']);
      const attach = await platform.gql(ATTACH, { i: { fileId, workflowRunId: runId } }, alice);
      expect(attach.data).toBeNull();
      expect(codes(attach)).toEqual(['NOT_FOUND']);
      expect(fileWrites(platform)).toEqual([]);
    }
    expect(await listed()).toBe(before);
    const after = await platform.gql(`query($id: ID!) { file(id: $id) { workflowRun { id } } }`, { id: fileId }, alice);
    expect(after.data!.file).toEqual({ workflowRun: null });
    // Nothing shows under the other organizations' runs.
    const run = await platform.gql(`query($id: ID!) { workflowRun(id: $id) { files { totalCount } } }`, { id: visibleForeignRun }, alice);
    expect(run.data!.workflowRun.files.totalCount).toBe(0);
  });

  it("attaches to a run of the file's organization created a moment ago, and detaches", async () => {
    const runId = await startRun(platform, alice, orgA.definitionId);
    platform.resetQueries();
    const upload = await platform.gql(UPLOAD, { i: { organizationId: orgA.orgId, name: 'fresh.txt', contentType: 'text/plain', contentBase64: b64('fresh'), workflowRunId: runId } }, alice);
    expect(upload.errors).toBeUndefined();
    expect(upload.data!.uploadFile.workflowRun).toEqual({ id: runId });
    expect(fileWrites(platform).length).toBeGreaterThan(0); // what the refusals above are checked with sees writes
    const other = await platform.gql(UPLOAD, { i: { organizationId: orgA.orgId, name: 'later.txt', contentType: 'text/plain', contentBase64: b64('later') } }, alice);
    const fileId = other.data!.uploadFile.id as string;
    const attach = await platform.gql(ATTACH, { i: { fileId, workflowRunId: runId } }, alice);
    expect(attach.errors).toBeUndefined();
    expect(attach.data!.attachFileToRun.workflowRun).toEqual({ id: runId });
    const run = await platform.gql(`query($id: ID!) { workflowRun(id: $id) { files { nodes { name } } } }`, { id: runId }, alice);
    expect(run.data!.workflowRun.files.nodes).toEqual([{ name: 'fresh.txt' }, { name: 'later.txt' }]);
    // Detaching needs no run.
    const detach = await platform.gql(ATTACH, { i: { fileId, workflowRunId: null } }, alice);
    expect(detach.data!.attachFileToRun.workflowRun).toBeNull();
  });

  it.runIf(testEnv.TEST_DATABASE === 'postgres')('attaches to a run created a moment ago through another replica of every service', async () => {
    const replica = await startTestPlatform({ database: platform.database });
    try {
      // Created through one replica's gateway and workflow subgraph, used at once through the other's.
      const first = await startRun(replica, alice, orgA.definitionId);
      const upload = await platform.gql(UPLOAD, { i: { organizationId: orgA.orgId, name: 'across.txt', contentType: 'text/plain', contentBase64: b64('across'), workflowRunId: first } }, alice);
      expect(upload.errors).toBeUndefined();
      expect(upload.data!.uploadFile.workflowRun).toEqual({ id: first });
      const second = await startRun(platform, alice, orgA.definitionId);
      const attach = await replica.gql(ATTACH, { i: { fileId: upload.data!.uploadFile.id, workflowRunId: second } }, alice);
      expect(attach.errors).toBeUndefined();
      expect(attach.data!.attachFileToRun.workflowRun).toEqual({ id: second });
    } finally {
      await replica.stop();
    }
  }, 120_000);

  it("refuses an upload into an organization the caller is not in, naming one of the caller's own runs", async () => {
    const runId = await startRun(platform, alice, orgA.definitionId);
    const res = await platform.gql(UPLOAD, { i: { organizationId: orgC.orgId, name: 'x.txt', contentType: 'text/plain', contentBase64: b64('x'), workflowRunId: runId } }, alice);
    expect(codes(res)).toEqual(['NOT_FOUND']);
  });
});
