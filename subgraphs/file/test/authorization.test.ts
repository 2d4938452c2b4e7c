import { randomUUID } from 'node:crypto';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { buildSecuredSubgraphSchema, fieldsWithoutRules, type Role, type Viewer } from '@organoise/core';
import { codesOf, createTestDatabase, subgraphClient, subgraphSocket, TEST_INTERNAL_SECRET, testLog, waitFor, watchSubscription, type TestDatabase } from '@organoise/core/testing';
import { graphql } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissions, resolvers, startFileSubgraph, SUBGRAPH_NAME, typeDefs, type FileSubgraph } from '../src/index.js';
import { scratchStorage } from './support/storage.js';
import { StandInWorkflowRuns } from './support/runs.js';

// The cross-tenant matrix (docs/decisions/0005-graphql-shield.md): for every entity type of this
// subgraph (File with its FileVersions, Organization, WorkflowRun), a member of organization A gets
// nothing of organization B's, by root query, through `_entities`, by mutation and by subscription.

let db: TestDatabase;
let server: FileSubgraph;
let call: ReturnType<typeof subgraphClient>;
const sockets: Client[] = [];
const orgA = randomUUID();
const orgB = randomUUID();
const person = (memberships: Record<string, Role>): Viewer => ({ userId: randomUUID(), sessionId: randomUUID(), memberships });
const adminA = person({ [orgA]: 'ADMIN' });
const ownerB = person({ [orgB]: 'OWNER' });
// The workflow subgraph's runs, as a stand-in: this suite starts the file subgraph alone.
const runs = new StandInWorkflowRuns();
const runB = runs.create(orgB);
const runA = runs.create(orgA);
const b64 = (content: string) => Buffer.from(content).toString('base64');
let fileB: string;
/** A direct upload of organization B's, still open. */
let uploadB: string;
let fileA: string;

const UPLOAD = `mutation($input: UploadFileInput!) { uploadFile(input: $input) { id } }`;
const FILE_B = `query($id: ID!) { file(id: $id) { name currentVersion workflowRun { id } versions { version sha256 } } }`;
const ENTITIES = `query ($reps: [_Any!]!) { _entities(representations: $reps) {
  __typename
  ... on File { id name contentBase64 versions { version contentBase64 } }
  ... on Organization { id files { totalCount nodes { name } } }
  ... on WorkflowRun { id files { totalCount nodes { name } } }
} }`;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startFileSubgraph({ database: { url: db.url, dataDir: db.dataDir }, internalTokenSecret: TEST_INTERNAL_SECRET, log: testLog, storage: scratchStorage(), workflowRuns: runs });
  call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
  const upload = async (viewer: Viewer, organizationId: string, name: string, workflowRunId: string) => {
    const response = await call(UPLOAD, { input: { organizationId, name, contentType: 'text/plain', contentBase64: b64(`${name} contents`), workflowRunId } }, viewer);
    expect(response.errors).toBeUndefined();
    return response.data!.uploadFile.id as string;
  };
  fileB = await upload(ownerB, orgB, 'B-secret.txt', runB);
  fileA = await upload(adminA, orgA, 'a.txt', runA);
  const direct = await call(`mutation($input: CreateUploadInput!) { createUpload(input: $input) { id } }`, { input: { organizationId: orgB, name: 'B-direct.txt', size: 1, contentType: 'text/plain', sha256: 'a'.repeat(64) } }, ownerB);
  expect(direct.errors).toBeUndefined();
  uploadB = direct.data!.createUpload.id as string;
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await server?.close();
  await db?.drop();
});

/** Entity type -> a representation of B's instance, and of A's. */
const ENTITY_TYPES: [string, () => Record<string, unknown>, () => Record<string, unknown>][] = [
  ['File', () => ({ __typename: 'File', id: fileB }), () => ({ __typename: 'File', id: fileA })],
  ['Organization', () => ({ __typename: 'Organization', id: orgB }), () => ({ __typename: 'Organization', id: orgA })],
  // The gateway adds the run's organization (@requires); an A member claiming B's is refused too.
  ['WorkflowRun', () => ({ __typename: 'WorkflowRun', id: runB, organization: { id: orgB } }), () => ({ __typename: 'WorkflowRun', id: runA, organization: { id: orgA } })],
];

describe('permissions', () => {
  it('give every root field and every object type of the schema an explicit rule', () => {
    const schema = buildSubgraphSchema([{ typeDefs, resolvers: resolvers as never }]);
    expect(fieldsWithoutRules(schema, permissions)).toEqual([]);
  });

  it("refuse another organization's File on the `_entities` path by the File type's own rule, even were the data layer to hand it out", async () => {
    const row = { id: fileB, organizationId: orgB, name: 'B-secret.txt' };
    const leaky = { ...resolvers, File: { ...resolvers.File, __resolveReference: () => row } };
    const schema = buildSecuredSubgraphSchema({ typeDefs, resolvers: leaky, permissions });
    const result = await graphql({
      schema,
      source: `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on File { id name } } }`,
      variableValues: { reps: [{ __typename: 'File', id: fileB }] },
      contextValue: { viewer: adminA },
    });
    expect(new Set(result.errors?.map((e) => e.extensions.code))).toEqual(new Set(['NOT_FOUND']));
    expect(JSON.stringify(result.data)).not.toContain('B-secret');
  });
});

describe("a member of the file's organization whose address its IP allow-list refuses", () => {
  // The gateway withholds the organization from their roles and names it in deniedOrgs.
  const refusedB = { userId: randomUUID(), sessionId: randomUUID(), memberships: {}, deniedOrgs: [orgB] };
  it.each([
    ['file by id', FILE_B, () => ({ id: fileB })],
    ['renameFile', `mutation($input: RenameFileInput!) { renameFile(input: $input) { id } }`, () => ({ input: { fileId: fileB, name: 'pwned' } })],
  ])('gets IP_NOT_ALLOWED from %s (not NOT_FOUND: the file is theirs to know of), and nothing of it', async (_name, query, variables) => {
    const response = await call(query, variables(), refusedB);
    expect(codesOf(response)).toEqual(['IP_NOT_ALLOWED']);
    expect(JSON.stringify(response.data ?? null)).not.toContain('B-secret');
  });

  it("still gets NOT_FOUND for another tenant's file, whatever organizations its own address is refused by", async () => {
    const refusedA = { userId: randomUUID(), sessionId: randomUUID(), memberships: {}, deniedOrgs: [orgA] };
    expect(codesOf(await call(FILE_B, { id: fileB }, refusedA))).toEqual(['NOT_FOUND']);
  });
});

describe('a member of another organization', () => {
  it('cannot read a File (nor its versions) by its root query: NOT_FOUND, no data', async () => {
    const response = await call(FILE_B, { id: fileB }, adminA);
    expect(codesOf(response)).toEqual(['NOT_FOUND']);
    expect(response.data?.file ?? null).toBeNull();
  });

  it.each(ENTITY_TYPES)('gets nothing of a %s of theirs through _entities, with the internal token the gateway signs', async (_typename, repOfB) => {
    const response = await call(ENTITIES, { reps: [repOfB()] }, adminA);
    expect(response.errors).toBeUndefined();
    expect(JSON.stringify(response.data)).not.toContain('B-secret');
    const [entity] = response.data!._entities;
    // A run's files are an empty list, not an error, for anyone outside it (file.test.ts); the rest resolve to null.
    if (entity) expect(entity).toMatchObject({ files: { totalCount: 0, nodes: [] } });
  });

  it.each([
    ['uploadFile into their organization', `mutation($input: UploadFileInput!) { uploadFile(input: $input) { id } }`, () => ({ input: { organizationId: orgB, name: 'planted', contentType: 'text/plain', contentBase64: b64('x') } })],
    ['uploadFileVersion', `mutation($input: UploadFileVersionInput!) { uploadFileVersion(input: $input) { id } }`, () => ({ input: { fileId: fileB, contentBase64: b64('pwned') } })],
    ['renameFile', `mutation($input: RenameFileInput!) { renameFile(input: $input) { id } }`, () => ({ input: { fileId: fileB, name: 'pwned' } })],
    ['attachFileToRun', `mutation($input: AttachFileToRunInput!) { attachFileToRun(input: $input) { id } }`, () => ({ input: { fileId: fileB, workflowRunId: null } })],
    ['deleteFile', `mutation($id: ID!) { deleteFile(id: $id) { deletedFileId } }`, () => ({ id: fileB })],
    ['restoreFile of their file', `mutation($id: ID!) { restoreFile(id: $id) { id } }`, () => ({ id: fileB })],
    ['createUpload into their organization', `mutation($input: CreateUploadInput!) { createUpload(input: $input) { id } }`, () => ({ input: { organizationId: orgB, name: 'planted', size: 1, contentType: 'text/plain', sha256: 'a'.repeat(64) } })],
    ['createVersionUpload of their file', `mutation($input: CreateVersionUploadInput!) { createVersionUpload(input: $input) { id } }`, () => ({ input: { fileId: fileB, size: 1, sha256: 'a'.repeat(64) } })],
    ['completeUpload of theirs', `mutation($input: CompleteUploadInput!) { completeUpload(input: $input) { id } }`, () => ({ input: { uploadId: uploadB } })],
    ['abortUpload of theirs', `mutation($id: ID!) { abortUpload(id: $id) { abortedUploadId } }`, () => ({ id: uploadB })],
    ['setUploadSettings of their organization', `mutation($input: UploadSettingsInput!) { setUploadSettings(input: $input) { maxBytes } }`, () => ({ input: { organizationId: orgB, maxBytes: 1 } })],
    ['read their upload', `query($id: ID!) { upload(id: $id) { id target { url } } }`, () => ({ id: uploadB })],
    ['read their upload settings', `query($id: ID!) { uploadSettings(organizationId: $id) { maxBytes } }`, () => ({ id: orgB })],
    ['get a download URL of their file', `query($id: ID!) { file(id: $id) { downloadUrl } }`, () => ({ id: fileB })],
    ['reprocessFile of their file', `mutation($id: ID!) { reprocessFile(fileId: $id) { id } }`, () => ({ id: fileB })],
    ['read the processing of their file', `query($id: ID!) { file(id: $id) { processing { state lastError textPreview thumbnailUrl } } }`, () => ({ id: fileB })],
  ])('cannot %s (NOT_FOUND) and nothing changes', async (_name, mutation, variables) => {
    const before = await call(FILE_B, { id: fileB }, ownerB);
    const count = async () => (await call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { files { totalCount } } } }`, { r: [{ __typename: 'Organization', id: orgB }] }, ownerB)).data!._entities[0].files.totalCount;
    const filesBefore = await count();
    const response = await call(mutation, variables(), adminA);
    expect(codesOf(response)).toEqual(['NOT_FOUND']);
    expect(await call(FILE_B, { id: fileB }, ownerB)).toEqual(before);
    expect(before.data!.file).toMatchObject({ name: 'B-secret.txt', currentVersion: 1, workflowRun: { id: runB } });
    expect(await count()).toBe(filesBefore);
    const open = await call(`query($id: ID!) { upload(id: $id) { id file { id } } uploadSettings(organizationId: "${orgB}") { maxBytes } }`, { id: uploadB }, ownerB);
    expect(open.data).toEqual({ upload: { id: uploadB, file: null }, uploadSettings: { maxBytes: 1024 * 1024 * 1024 } });
  });

  it.each([
    ['fileProcessed', `subscription ($id: ID!) { fileProcessed(fileId: $id) { type file { name } } }`, () => ({ id: fileB })],
    ['filesChanged', `subscription ($id: ID!) { filesChanged(organizationId: $id) { type file { name } } }`, () => ({ id: orgB })],
  ])('cannot subscribe to %s of theirs (NOT_FOUND) and receives none of their events', async (_name, subscription, variables) => {
    const socket = subgraphSocket(server.url, SUBGRAPH_NAME, adminA);
    sockets.push(socket);
    const w = watchSubscription(socket, subscription, variables());
    await waitFor(() => w.ended.complete === true || w.ended.error !== undefined || w.results.length > 0, 'the refusal');
    expect(w.results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code))).toEqual(['NOT_FOUND']);
    await call(`mutation($input: RenameFileInput!) { renameFile(input: $input) { id } }`, { input: { fileId: fileB, name: 'B-secret.txt' } }, ownerB);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(w.events()).toEqual([]);
  });
});

describe('a member of the organization', () => {
  it('still resolves every entity type through _entities: __resolveReference runs under the shield', async () => {
    const entities = (await call(ENTITIES, { reps: ENTITY_TYPES.map(([, , repOfA]) => repOfA()) }, adminA)).data!._entities;
    expect(entities).toEqual([
      { __typename: 'File', id: fileA, name: 'a.txt', contentBase64: b64('a.txt contents'), versions: [{ version: 1, contentBase64: b64('a.txt contents') }] },
      { __typename: 'Organization', id: orgA, files: { totalCount: 1, nodes: [{ name: 'a.txt' }] } },
      { __typename: 'WorkflowRun', id: runA, files: { totalCount: 1, nodes: [{ name: 'a.txt' }] } },
    ]);
  });

  // Roles are read with core's roleIn (own keys only); this subgraph used to index the token's
  // memberships directly, where "constructor" and "__proto__" are inherited and truthy.
  it('gets null for an Organization whose id is "constructor" or "__proto__" through _entities', async () => {
    const reps = ['constructor', '__proto__'].map((id) => ({ __typename: 'Organization', id }));
    const response = await call(`query ($reps: [_Any!]!) { _entities(representations: $reps) { __typename } }`, { reps }, adminA);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([null, null]);
  });

  it('without a viewer gets UNAUTHENTICATED from the root query and mutations, and nothing through _entities', async () => {
    expect(codesOf(await call(FILE_B, { id: fileA }, null))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await call(`mutation($id: ID!) { deleteFile(id: $id) { deletedFileId } }`, { id: fileA }, null))).toEqual(['UNAUTHENTICATED']);
    const response = await call(ENTITIES, { reps: ENTITY_TYPES.slice(0, 2).map(([, , repOfA]) => repOfA()) }, null);
    expect(response.data!._entities).toEqual([null, null]);
  });
});
