import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Role, SearchDocument, Viewer } from '@organoise/core';
import { createTestDatabase, subgraphClient, TEST_INTERNAL_SECRET, testLog, type TestDatabase } from '@organoise/core/testing';
import { searchSourceCaller, searchSourceContract } from '@organoise/core/testing/search-source';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_FILE_TEXT_MAX_CHARS } from '../src/domains/search/source.js';
import { startFileSubgraph, SUBGRAPH_NAME, type FileSubgraph } from '../src/index.js';
import { StandInWorkflowRuns } from './support/runs.js';

// The file subgraph as a search source (domains/search/source.ts): one File document per file not
// deleted, with the text processing extracted, over real HTTP, on each database (vitest projects
// pglite and postgres), with the real job queue and local-disk storage.

let db: TestDatabase;
let storageDir: string;
let server: FileSubgraph;
let call: ReturnType<typeof subgraphClient>;

beforeAll(async () => {
  db = await createTestDatabase();
  storageDir = await mkdtemp(path.join(tmpdir(), 'organoise-file-search-'));
  server = await startFileSubgraph({
    database: { url: db.url, dataDir: db.dataDir },
    internalTokenSecret: TEST_INTERNAL_SECRET,
    log: testLog,
    storageDir,
    workflowRuns: new StandInWorkflowRuns(),
    processing: { maxAttempts: 2, retryDelaySeconds: 1, retryDelayMaxSeconds: 2, pollingIntervalSeconds: 0.5, superviseIntervalSeconds: 1, stopTimeoutMs: 1000 },
  });
  call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
  if (storageDir) await rm(storageDir, { recursive: true, force: true });
});

const person = (memberships: Record<string, Role>): Viewer => ({ userId: randomUUID(), sessionId: randomUUID(), memberships });
const UPLOAD = `mutation($input: UploadFileInput!) { uploadFile(input: $input) { id } }`;
const RENAME = `mutation($input: RenameFileInput!) { renameFile(input: $input) { id name } }`;
const DELETE = `mutation($id: ID!) { deleteFile(id: $id) { deletedFileId } }`;
const RESTORE = `mutation($id: ID!) { restoreFile(id: $id) { id } }`;
const CREATE_UPLOAD = `mutation($input: CreateUploadInput!) { createUpload(input: $input) { id target { url method headers { name value } } } }`;
const COMPLETE_UPLOAD = `mutation($input: CompleteUploadInput!) { completeUpload(input: $input) { id } }`;
const PROCESSING = `query($id: ID!) { file(id: $id) { processing { state } } }`;

async function ok(response: Promise<{ data?: Record<string, any> | null; errors?: unknown[] }>) {
  const res = await response;
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!;
}

const upload = async (viewer: Viewer, organizationId: string, name: string, content: string) =>
  (await ok(call(UPLOAD, { input: { organizationId, name, contentType: 'text/plain', contentBase64: Buffer.from(content).toString('base64') } }, viewer))).uploadFile.id as string;

/** A direct upload (processing runs after it), waited for until processing is done. */
async function uploadProcessed(viewer: Viewer, organizationId: string, name: string, content: string): Promise<string> {
  const bytes = Buffer.from(content);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const created = (await ok(call(CREATE_UPLOAD, { input: { organizationId, name, size: bytes.length, contentType: 'text/plain', sha256 } }, viewer))).createUpload;
  const put = await fetch(new URL(server.url).origin + created.target.url, {
    method: created.target.method,
    headers: Object.fromEntries(created.target.headers.map((h: { name: string; value: string }) => [h.name, h.value])),
    body: bytes,
  });
  expect(put.status).toBe(200);
  const fileId = (await ok(call(COMPLETE_UPLOAD, { input: { uploadId: created.id } }, viewer))).completeUpload.id as string;
  for (;;) {
    const state = (await ok(call(PROCESSING, { id: fileId }, viewer))).file.processing?.state;
    expect(state).not.toBe('FAILED');
    if (state === 'DONE') return fileId;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const { changes } = searchSourceCaller(() => server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
const find = (docs: SearchDocument[], id: string) => docs.find((d) => d.type === 'File' && d.id === id);

// Before the contract suite, whose last case trims the log.
describe('the file search source', () => {
  it("indexes a file by name and content type, readable by any member; its extracted text once processed", async () => {
    const organizationId = randomUUID();
    const member = person({ [organizationId]: 'MEMBER' });
    const before = (await changes({})).cursors;
    const fileId = await uploadProcessed(member, organizationId, 'minutes.txt', 'The quarterly offsite moves to Lisbon.');
    const answer = await changes(before);
    expect(find(answer.upserts, fileId)).toMatchObject({ organizationId, minRole: 'VIEWER', title: 'minutes.txt', keywords: { contentType: 'text/plain' } });
    // file.processed is among the events read: the document has the text.
    expect(find(answer.upserts, fileId)!.body).toContain('offsite moves to Lisbon');
  });

  it(`cuts the extracted text at ${SEARCH_FILE_TEXT_MAX_CHARS} characters`, async () => {
    const organizationId = randomUUID();
    const member = person({ [organizationId]: 'MEMBER' });
    const before = (await changes({})).cursors;
    const fileId = await uploadProcessed(member, organizationId, 'long.txt', 'wombat '.repeat(30_000));
    const doc = find((await changes(before)).upserts, fileId)!;
    expect(doc.body.length).toBe(SEARCH_FILE_TEXT_MAX_CHARS);
  });

  it('a rename re-titles the file; a deletion answers a delete; a restore brings it back', async () => {
    const organizationId = randomUUID();
    const member = person({ [organizationId]: 'MEMBER' });
    const fileId = await upload(member, organizationId, 'draft.txt', 'hello');
    const start = (await changes({})).cursors;
    await ok(call(RENAME, { input: { fileId, name: 'final.txt' } }, member));
    const renamed = await changes(start);
    expect(find(renamed.upserts, fileId)!.title).toBe('final.txt');
    await ok(call(DELETE, { id: fileId }, member));
    const deleted = await changes(renamed.cursors);
    expect(deleted.deletes).toEqual([{ type: 'File', id: fileId, organizationId }]);
    expect(deleted.upserts).toEqual([]);
    const admin = person({ [organizationId]: 'ADMIN' });
    await ok(call(RESTORE, { id: fileId }, admin));
    const restored = await changes(deleted.cursors);
    expect(find(restored.upserts, fileId)!.title).toBe('final.txt');
    expect(restored.deletes).toEqual([]);
  });
});

searchSourceContract('file', {
  name: SUBGRAPH_NAME,
  secret: TEST_INTERNAL_SECRET,
  url: () => server.url,
  seed: async () => {
    const organizationId = randomUUID();
    const member = person({ [organizationId]: 'MEMBER' });
    const first = await upload(member, organizationId, 'invoice.txt', 'Invoice 17');
    const second = await upload(member, organizationId, 'notes.txt', 'Notes');
    await ok(call(RENAME, { input: { fileId: second, name: 'meeting-notes.txt' } }, member));
    return {
      organizationId,
      viewer: member,
      refs: [
        { type: 'File', id: first, organizationId },
        { type: 'File', id: second, organizationId },
      ],
    };
  },
  remove: async (seeded, ref) => {
    await ok(call(DELETE, { id: ref.id }, seeded.viewer));
  },
  trimLog: () => server.services.bus.log.trim(new Date(Date.now() + 60_000)),
});
