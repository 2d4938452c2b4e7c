import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Role, Viewer } from '@organoise/core';
import { codesOf, createTestDatabase, postGraphQL, subgraphClient, TEST_INTERNAL_SECRET, testLog, type TestDatabase } from '@organoise/core/testing';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileVersions, files } from '../src/db/schema.js';
import { LocalDiskStorage, startFileSubgraph, SUBGRAPH_NAME, type FileSubgraph } from '../src/index.js';
import { UploadFileInput } from '../src/domains/files/files.js';
import { StandInWorkflowRuns } from './support/runs.js';

const MAX_BYTES = 4096;

/** LocalDiskStorage with a hook after each put, to make the metadata write fail on purpose. */
class HookedStorage extends LocalDiskStorage {
  afterPut: ((key: string) => Promise<void>) | null = null;
  override async put(key: string, body: Parameters<LocalDiskStorage['put']>[1]) {
    await super.put(key, body);
    const hook = this.afterPut;
    this.afterPut = null;
    await hook?.(key);
  }
}

let db: TestDatabase;
let storageDir: string;
let storage: HookedStorage;
let server: FileSubgraph;
let call: ReturnType<typeof subgraphClient>;
/** The workflow subgraph's runs, as a stand-in: this suite starts the file subgraph alone. */
const runs = new StandInWorkflowRuns();

beforeAll(async () => {
  db = await createTestDatabase();
  storageDir = await mkdtemp(path.join(tmpdir(), 'organoise-file-test-'));
  storage = new HookedStorage(storageDir);
  server = await startFileSubgraph({
    database: { url: db.url, dataDir: db.dataDir },
    internalTokenSecret: TEST_INTERNAL_SECRET,
    log: testLog,
    storage,
    maxUploadBytes: MAX_BYTES,
    workflowRuns: runs,
  });
  call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
  if (storageDir) await rm(storageDir, { recursive: true, force: true });
});

const orgA = randomUUID();
const orgB = randomUUID();
const person = (memberships: Record<string, Role>): Viewer => ({ userId: randomUUID(), sessionId: randomUUID(), memberships });
const admin = person({ [orgA]: 'ADMIN' });
const member = person({ [orgA]: 'MEMBER' });
const otherMember = person({ [orgA]: 'MEMBER' });
const viewerOnly = person({ [orgA]: 'VIEWER' });
const outsider = person({ [orgB]: 'OWNER' });

const b64 = (content: string | Uint8Array) => Buffer.from(content).toString('base64');
const sha256 = (content: string | Uint8Array) => createHash('sha256').update(content).digest('hex');

const FILE_FIELDS = `id name contentType size sha256 currentVersion createdAt updatedAt contentBase64
  organization { id } owner { id } workflowRun { id }
  versions { version size sha256 contentType createdAt contentBase64 createdBy { id } }`;
const UPLOAD = `mutation($input: UploadFileInput!) { uploadFile(input: $input) { ${FILE_FIELDS} } }`;
const UPLOAD_VERSION = `mutation($input: UploadFileVersionInput!) { uploadFileVersion(input: $input) { ${FILE_FIELDS} } }`;
const RENAME = `mutation($input: RenameFileInput!) { renameFile(input: $input) { id name updatedAt } }`;
const ATTACH = `mutation($input: AttachFileToRunInput!) { attachFileToRun(input: $input) { id workflowRun { id } } }`;
const DELETE = `mutation($id: ID!) { deleteFile(id: $id) { deletedFileId organization { id } } }`;
const FILE = `query($id: ID!) { file(id: $id) { ${FILE_FIELDS} } }`;

async function upload(viewer: Viewer, input: Partial<{ organizationId: string; name: string; contentType: string; content: string | Uint8Array; workflowRunId: string }> = {}) {
  const res = await call(
    UPLOAD,
    {
      input: {
        organizationId: input.organizationId ?? orgA,
        name: input.name ?? 'report.txt',
        contentType: input.contentType ?? 'text/plain',
        contentBase64: b64(input.content ?? 'hello'),
        ...(input.workflowRunId ? { workflowRunId: input.workflowRunId } : {}),
      },
    },
    viewer,
  );
  expect(res.errors).toBeUndefined();
  return res.data!.uploadFile as Record<string, any>;
}

/** What is stored right now: rows in both tables and blobs on disk. */
async function stored() {
  const [fileRows] = await server.services.db.select({ n: count() }).from(files);
  const [versionRows] = await server.services.db.select({ n: count() }).from(fileVersions);
  const entries = await readdir(storageDir, { recursive: true, withFileTypes: true });
  return { files: fileRows!.n, versions: versionRows!.n, blobs: entries.filter((e) => e.isFile()).length };
}

async function fileRow(id: string) {
  const [row] = await server.services.db.select().from(files).where(eq(files.id, id));
  return row;
}

describe('internal token', () => {
  it('refuses a request without the internal token with 401 INTERNAL_TOKEN_INVALID', async () => {
    const res = await postGraphQL(server.url, '{ __typename }');
    expect(res.status).toBe(401);
    expect(codesOf(res)).toEqual(['INTERNAL_TOKEN_INVALID']);
  });
});

describe('uploading', () => {
  it('stores a file with its size, sha256, owner and first version, and gives the bytes back', async () => {
    const content = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
    const before = await stored();
    const file = await upload(member, { name: '  Données brutes.bin ', contentType: 'Application/Octet-Stream', content });
    expect(file).toMatchObject({
      name: 'Données brutes.bin',
      contentType: 'application/octet-stream',
      size: 256,
      sha256: sha256(content),
      currentVersion: 1,
      organization: { id: orgA },
      owner: { id: member.userId },
      workflowRun: null,
      contentBase64: b64(content),
    });
    expect(file.versions).toEqual([
      { version: 1, size: 256, sha256: sha256(content), contentType: 'application/octet-stream', createdAt: file.createdAt, contentBase64: b64(content), createdBy: { id: member.userId } },
    ]);
    expect(await stored()).toEqual({ files: before.files + 1, versions: before.versions + 1, blobs: before.blobs + 1 });
    const read = await call(FILE, { id: file.id }, viewerOnly);
    expect(read.errors).toBeUndefined();
    expect(read.data!.file).toEqual(file);
  });

  it('accepts an empty file and a file of exactly the size limit', async () => {
    const empty = await upload(member, { content: '' });
    expect(empty).toMatchObject({ size: 0, sha256: sha256(''), contentBase64: '' });
    const full = new Uint8Array(MAX_BYTES).fill(7);
    const atLimit = await upload(member, { content: full });
    expect(atLimit).toMatchObject({ size: MAX_BYTES, sha256: sha256(full) });
  });

  it('adds versions: the file shows the newest, every version keeps its own bytes', async () => {
    const file = await upload(member, { content: 'first draft' });
    const res = await call(UPLOAD_VERSION, { input: { fileId: file.id, contentBase64: b64('second draft, longer'), contentType: 'text/markdown' } }, otherMember);
    expect(res.errors).toBeUndefined();
    const updated = res.data!.uploadFileVersion;
    expect(updated).toMatchObject({
      id: file.id,
      currentVersion: 2,
      size: 20,
      sha256: sha256('second draft, longer'),
      contentType: 'text/markdown',
      contentBase64: b64('second draft, longer'),
      owner: { id: member.userId },
      createdAt: file.createdAt,
    });
    expect(updated.versions.map((v: any) => [v.version, v.contentType, v.createdBy.id, v.contentBase64])).toEqual([
      [2, 'text/markdown', otherMember.userId, b64('second draft, longer')],
      [1, 'text/plain', member.userId, b64('first draft')],
    ]);
    const third = await call(UPLOAD_VERSION, { input: { fileId: file.id, contentBase64: b64('third') } }, member);
    expect(third.data!.uploadFileVersion).toMatchObject({ currentVersion: 3, contentType: 'text/markdown', size: 5 });
  });

  it('adds one version for a retried request with the same idempotency key, and refuses the key for other bytes', async () => {
    const file = await upload(member, { content: 'v1' });
    const input = { fileId: file.id, contentBase64: b64('v2 bytes'), idempotencyKey: `version-${file.id}` };
    const first = await call(UPLOAD_VERSION, { input }, member);
    const retry = await call(UPLOAD_VERSION, { input }, member);
    expect([first.errors, retry.errors]).toEqual([undefined, undefined]);
    expect(retry.data!.uploadFileVersion).toMatchObject({ id: file.id, currentVersion: 2, sha256: sha256('v2 bytes') });
    expect(retry.data!.uploadFileVersion.versions).toHaveLength(2);
    expect(codesOf(await call(UPLOAD_VERSION, { input: { ...input, contentBase64: b64('other bytes') } }, member))).toEqual(['IDEMPOTENCY_KEY_REUSED']);
  });

  it('refuses a file over the limit with PAYLOAD_TOO_LARGE and stores nothing', async () => {
    const before = await stored();
    for (const size of [MAX_BYTES + 1, MAX_BYTES * 3]) {
      const res = await call(UPLOAD, { input: { organizationId: orgA, name: 'big.bin', contentType: 'application/octet-stream', contentBase64: b64(new Uint8Array(size)) } }, member);
      expect(codesOf(res), `size ${size}`).toEqual(['PAYLOAD_TOO_LARGE']);
    }
    expect(await stored()).toEqual(before);
  });

  it('stops a request body far over the limit at the HTTP layer with 413 PAYLOAD_TOO_LARGE', async () => {
    const before = await stored();
    const res = await call(UPLOAD, { input: { organizationId: orgA, name: 'huge.bin', contentType: 'application/octet-stream', contentBase64: b64(new Uint8Array(200_000)) } }, member);
    expect(res.status).toBe(413);
    expect(codesOf(res)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(await stored()).toEqual(before);
  });

  it('refuses a new version over the limit with PAYLOAD_TOO_LARGE and keeps the current one', async () => {
    const file = await upload(member);
    const before = await stored();
    const res = await call(UPLOAD_VERSION, { input: { fileId: file.id, contentBase64: b64(new Uint8Array(MAX_BYTES + 1)) } }, member);
    expect(codesOf(res)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(await stored()).toEqual(before);
    expect((await fileRow(file.id))!.currentVersion).toBe(1);
  });

  it('refuses content that is not strict base64 with BAD_USER_INPUT and stores nothing', async () => {
    const before = await stored();
    for (const contentBase64 of ['abc', 'aGVsbG8', 'aGVs bG8=', 'aGVsbG8=\n', '====', 'aGVsbG8-_w==', 'YR==', 'aGVsbG8=aGVs', '!!!!']) {
      const res = await call(UPLOAD, { input: { organizationId: orgA, name: 'x.txt', contentType: 'text/plain', contentBase64 } }, member);
      expect(codesOf(res), contentBase64).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.extensions!.issues.map((i: { path: string }) => i.path)).toEqual(['contentBase64']);
    }
    const file = await upload(member);
    const version = await call(UPLOAD_VERSION, { input: { fileId: file.id, contentBase64: 'abc' } }, member);
    expect(codesOf(version)).toEqual(['BAD_USER_INPUT']);
    expect(await stored()).toEqual({ files: before.files + 1, versions: before.versions + 1, blobs: before.blobs + 1 });
  });

  it('checks base64 in linear time: 8 MiB of content is valid input, not a stack overflow (was INTERNAL_SERVER_ERROR above ~3.3 MB)', () => {
    const big = b64(new Uint8Array(8 * 1024 * 1024).fill(42));
    const parsed = UploadFileInput.safeParse({ organizationId: orgA, name: 'big.bin', contentType: 'application/octet-stream', contentBase64: big });
    expect(parsed.success).toBe(true);
    const broken = UploadFileInput.safeParse({ organizationId: orgA, name: 'big.bin', contentType: 'application/octet-stream', contentBase64: `${big.slice(0, -4)}*==*` });
    expect(broken.success).toBe(false);
  });

  it('refuses blank, over-long, path-like and control-character names with BAD_USER_INPUT and stores nothing', async () => {
    const before = await stored();
    for (const name of ['', '   ', 'a/b', '../etc/passwd', 'a\\b', 'line\nbreak', 'nul\u0000', 'bell\u0007', 'c1\u0085', '..', '.', 'x'.repeat(256)]) {
      const res = await call(UPLOAD, { input: { organizationId: orgA, name, contentType: 'text/plain', contentBase64: b64('x') } }, member);
      expect(codesOf(res), JSON.stringify(name)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.extensions!.issues.map((i: { path: string }) => i.path)).toEqual(['name']);
    }
    expect(await stored()).toEqual(before);
    expect((await upload(member, { name: 'x'.repeat(255) })).name).toHaveLength(255);
  });

  it('refuses content types that are not type/subtype with BAD_USER_INPUT and stores nothing', async () => {
    const before = await stored();
    for (const contentType of ['', 'text', 'text/', '/plain', 'text/plain; charset=utf-8', 'te xt/plain', 'text/plain/extra', 'text\n/plain']) {
      const res = await call(UPLOAD, { input: { organizationId: orgA, name: 'x.txt', contentType, contentBase64: b64('x') } }, member);
      expect(codesOf(res), JSON.stringify(contentType)).toEqual(['BAD_USER_INPUT']);
    }
    const file = await upload(member);
    const version = await call(UPLOAD_VERSION, { input: { fileId: file.id, contentBase64: b64('y'), contentType: 'nonsense' } }, member);
    expect(codesOf(version)).toEqual(['BAD_USER_INPUT']);
    expect(await stored()).toEqual({ files: before.files + 1, versions: before.versions + 1, blobs: before.blobs + 1 });
    expect((await fileRow(file.id))!.currentVersion).toBe(1);
  });

  it('lists every problem of an invalid upload at once', async () => {
    const res = await call(UPLOAD, { input: { organizationId: 'nope', name: 'a/b', contentType: 'text', contentBase64: 'abc', workflowRunId: 'run' } }, member);
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    const paths = res.errors![0]!.extensions!.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(['contentBase64', 'contentType', 'name', 'organizationId', 'workflowRunId']);
  });

  it('refuses uploads from a VIEWER with FORBIDDEN, from an outsider with NOT_FOUND, and without a viewer with UNAUTHENTICATED', async () => {
    const before = await stored();
    const input = { organizationId: orgA, name: 'x.txt', contentType: 'text/plain', contentBase64: b64('x') };
    expect(codesOf(await call(UPLOAD, { input }, viewerOnly))).toEqual(['FORBIDDEN']);
    expect(codesOf(await call(UPLOAD, { input }, outsider))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(UPLOAD, { input }, null))).toEqual(['UNAUTHENTICATED']);
    const file = await upload(member);
    const version = await call(UPLOAD_VERSION, { input: { fileId: file.id, contentBase64: b64('x') } }, viewerOnly);
    expect(codesOf(version)).toEqual(['FORBIDDEN']);
    expect(await stored()).toEqual({ files: before.files + 1, versions: before.versions + 1, blobs: before.blobs + 1 });
  });

  it('removes the new bytes when the metadata write fails', async () => {
    const file = await upload(member);
    const before = await stored();
    // The file disappears between the blob write and the metadata transaction.
    storage.afterPut = async () => {
      await server.services.db.delete(files).where(eq(files.id, file.id));
    };
    const res = await call(UPLOAD_VERSION, { input: { fileId: file.id, contentBase64: b64('orphan?') } }, member);
    expect(codesOf(res)).toEqual(['NOT_FOUND']);
    const after = await stored();
    expect(after.blobs).toBe(before.blobs);
    expect(after.files).toBe(before.files - 1);

    // The new file's id is taken by the time its metadata is written: the insert fails.
    storage.afterPut = async (key) => {
      const [org, fileId] = key.split('/');
      await server.services.db.insert(files).values({
        id: fileId!, organizationId: org!, name: 'squatter', contentType: 'text/plain', size: 0, sha256: sha256(''),
        storageKey: 'elsewhere', currentVersion: 1, ownerId: randomUUID(), createdAt: new Date(), updatedAt: new Date(),
      });
    };
    const before2 = await stored();
    const failed = await call(UPLOAD, { input: { organizationId: orgA, name: 'x.txt', contentType: 'text/plain', contentBase64: b64('x') } }, member);
    expect(codesOf(failed)).toEqual(['INTERNAL_SERVER_ERROR']);
    const after2 = await stored();
    expect(after2).toEqual({ files: before2.files + 1, versions: before2.versions, blobs: before2.blobs });
  });
});

describe('renaming, attaching and deleting', () => {
  it('renames a file and moves updatedAt; a bad name changes nothing', async () => {
    const file = await upload(member, { name: 'old.txt' });
    const res = await call(RENAME, { input: { fileId: file.id, name: 'new.txt' } }, otherMember);
    expect(res.errors).toBeUndefined();
    expect(res.data!.renameFile.name).toBe('new.txt');
    expect(Date.parse(res.data!.renameFile.updatedAt)).toBeGreaterThanOrEqual(Date.parse(file.updatedAt));
    for (const name of ['', 'a/b', 'x\ty']) {
      expect(codesOf(await call(RENAME, { input: { fileId: file.id, name } }, member))).toEqual(['BAD_USER_INPUT']);
    }
    expect(codesOf(await call(RENAME, { input: { fileId: 'nope', name: 'ok' } }, member))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await call(RENAME, { input: { fileId: file.id, name: 'viewer.txt' } }, viewerOnly))).toEqual(['FORBIDDEN']);
    expect((await fileRow(file.id))!.name).toBe('new.txt');
  });

  it('attaches a file to a run and detaches it with null', async () => {
    const file = await upload(member);
    const run = runs.create(orgA);
    const attached = await call(ATTACH, { input: { fileId: file.id, workflowRunId: run } }, member);
    expect(attached.data!.attachFileToRun).toEqual({ id: file.id, workflowRun: { id: run } });
    expect(codesOf(await call(ATTACH, { input: { fileId: file.id, workflowRunId: 'not-a-run' } }, member))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await call(ATTACH, { input: { fileId: file.id, workflowRunId: null } }, viewerOnly))).toEqual(['FORBIDDEN']);
    expect((await fileRow(file.id))!.workflowRunId).toBe(run);
    const detached = await call(ATTACH, { input: { fileId: file.id, workflowRunId: null } }, member);
    expect(detached.data!.attachFileToRun).toEqual({ id: file.id, workflowRun: null });
  });

  it('lets the owner delete a file: gone from reads at once, its versions and bytes kept for the retention period (soft-delete.test.ts)', async () => {
    const file = await upload(member);
    await call(UPLOAD_VERSION, { input: { fileId: file.id, contentBase64: b64('v2') } }, member);
    const before = await stored();
    const res = await call(DELETE, { id: file.id }, member);
    expect(res.data!.deleteFile).toEqual({ deletedFileId: file.id, organization: { id: orgA } });
    expect(await stored()).toEqual(before);
    expect((await fileRow(file.id))!.deletedAt).toBeInstanceOf(Date);
    expect(codesOf(await call(FILE, { id: file.id }, member))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(DELETE, { id: file.id }, member))).toEqual(['NOT_FOUND']);
  });

  it("lets an admin delete anyone's file, but not another member or a viewer", async () => {
    const file = await upload(member);
    const before = await stored();
    expect(codesOf(await call(DELETE, { id: file.id }, otherMember))).toEqual(['FORBIDDEN']);
    expect(codesOf(await call(DELETE, { id: file.id }, viewerOnly))).toEqual(['FORBIDDEN']);
    expect(codesOf(await call(DELETE, { id: 'nope' }, admin))).toEqual(['BAD_USER_INPUT']);
    expect(await stored()).toEqual(before);
    expect((await call(DELETE, { id: file.id }, admin)).data!.deleteFile.deletedFileId).toBe(file.id);
  });

  it('does not let an owner demoted to VIEWER delete their file', async () => {
    const owner = person({ [orgA]: 'MEMBER' });
    const file = await upload(owner);
    const demoted = { ...owner, memberships: { [orgA]: 'VIEWER' as Role } };
    expect(codesOf(await call(DELETE, { id: file.id }, demoted))).toEqual(['FORBIDDEN']);
    expect(await fileRow(file.id)).toBeDefined();
  });
});

describe('tenancy', () => {
  it("hides another organization's file as NOT_FOUND, by query, through _entities, and from every mutation", async () => {
    const file = await upload(member, { name: 'secret.txt', content: 'secret' });
    const before = await stored();
    expect(codesOf(await call(FILE, { id: file.id }, outsider))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(FILE, { id: randomUUID() }, member))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(FILE, { id: 'nope' }, member))).toEqual(['BAD_USER_INPUT']);
    const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on File { id name contentBase64 } } }`;
    const reps = [{ __typename: 'File', id: file.id }, { __typename: 'File', id: 'not-a-uuid' }];
    expect((await call(entities, { r: reps }, outsider)).data!._entities).toEqual([null, null]);
    expect((await call(entities, { r: reps }, null)).data!._entities).toEqual([null, null]);
    expect((await call(entities, { r: reps }, viewerOnly)).data!._entities).toEqual([{ id: file.id, name: 'secret.txt', contentBase64: b64('secret') }, null]);

    expect(codesOf(await call(UPLOAD_VERSION, { input: { fileId: file.id, contentBase64: b64('mine now') } }, outsider))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(RENAME, { input: { fileId: file.id, name: 'pwned' } }, outsider))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(ATTACH, { input: { fileId: file.id, workflowRunId: randomUUID() } }, outsider))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(DELETE, { id: file.id }, outsider))).toEqual(['NOT_FOUND']);
    expect(await stored()).toEqual(before);
    expect(await fileRow(file.id)).toMatchObject({ name: 'secret.txt', currentVersion: 1, workflowRunId: null });
  });

  it("answers null for another organization through _entities, and lists an organization's files for its members", async () => {
    const Q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { id files(first: 1) { totalCount nodes { organization { id } } } } } }`;
    const reps = [{ __typename: 'Organization', id: orgA }];
    expect((await call(Q, { r: reps }, outsider)).data!._entities).toEqual([null]);
    const mine = (await call(Q, { r: reps }, viewerOnly)).data!._entities[0];
    expect(mine.id).toBe(orgA);
    expect(mine.files.totalCount).toBeGreaterThan(0);
    expect(mine.files.nodes).toEqual([{ organization: { id: orgA } }]);
  });
});

describe('files of workflow runs', () => {
  const RUN_FILES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on WorkflowRun { id files(first: 10) { totalCount nodes { name } } } } }`;
  const runRef = (id: string, organizationId: string) => ({ __typename: 'WorkflowRun', id, organization: { id: organizationId } });

  it('lists the files of several runs in one request, each in upload order', async () => {
    const [run1, run2, run3] = [runs.create(orgA), runs.create(orgA), randomUUID()];
    await upload(member, { name: 'r1-a', workflowRunId: run1 });
    await upload(member, { name: 'r2-a', workflowRunId: run2 });
    await upload(member, { name: 'r1-b', workflowRunId: run1 });
    const res = await call(RUN_FILES, { r: [runRef(run1, orgA), runRef(run2, orgA), runRef(run3, orgA)] }, viewerOnly);
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([
      { id: run1, files: { totalCount: 2, nodes: [{ name: 'r1-a' }, { name: 'r1-b' }] } },
      { id: run2, files: { totalCount: 1, nodes: [{ name: 'r2-a' }] } },
      { id: run3, files: { totalCount: 0, nodes: [] } },
    ]);
  });

  it('loads the files of many runs with one query for the pages and one for the counts', async () => {
    const batch = [runs.create(orgA), runs.create(orgA), runs.create(orgA), runs.create(orgA)];
    for (const run of batch) await upload(member, { name: `batched-${run}`, workflowRunId: run });
    const database = server.services.db as unknown as { select: (...args: unknown[]) => unknown };
    const select = database.select;
    let selects = 0;
    database.select = (...args: unknown[]) => {
      selects++;
      return select.apply(server.services.db, args);
    };
    try {
      const res = await call(RUN_FILES, { r: batch.map((run) => runRef(run, orgA)) }, member);
      expect(res.data!._entities.map((e: any) => e.files.nodes)).toEqual(batch.map((run) => [{ name: `batched-${run}` }]));
    } finally {
      database.select = select;
    }
    // The page query is built from two selects (the ranked subquery and the outer one).
    expect(selects).toBe(3);
  });

  it('pages through the files of a run with a cursor', async () => {
    const run = runs.create(orgA);
    for (const name of ['p1', 'p2', 'p3']) await upload(member, { name, workflowRunId: run });
    const Q = `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on WorkflowRun { files(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } } } }`;
    const page1 = (await call(Q, { r: [runRef(run, orgA)] }, member)).data!._entities[0].files;
    expect(page1.nodes).toEqual([{ name: 'p1' }, { name: 'p2' }]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await call(Q, { r: [runRef(run, orgA)], after: page1.pageInfo.endCursor }, member)).data!._entities[0].files;
    expect(page2).toEqual({ nodes: [{ name: 'p3' }], pageInfo: { hasNextPage: false, endCursor: expect.any(String) } });
  });

  it("shows nothing under a run whose organization is not the file's, or to a non-member of the run's organization", async () => {
    const run = runs.create(orgA);
    await upload(member, { name: 'attached', workflowRunId: run });
    // An outsider's own organization claimed for the run: the file is orgA's, so it stays hidden.
    const foreign = await call(RUN_FILES, { r: [runRef(run, orgB)] }, outsider);
    expect(foreign.data!._entities).toEqual([{ id: run, files: { totalCount: 0, nodes: [] } }]);
    // The right organization, but the caller is not a member of it.
    const notMember = await call(RUN_FILES, { r: [runRef(run, orgA)] }, outsider);
    expect(notMember.data!._entities).toEqual([{ id: run, files: { totalCount: 0, nodes: [] } }]);
    // Malformed references answer empty rather than failing.
    const malformed = await call(RUN_FILES, { r: [{ __typename: 'WorkflowRun', id: run }, runRef('nope', orgA)] }, member);
    expect(malformed.data!._entities).toEqual([
      { id: run, files: { totalCount: 0, nodes: [] } },
      { id: 'nope', files: { totalCount: 0, nodes: [] } },
    ]);
    const mine = await call(RUN_FILES, { r: [runRef(run, orgA)] }, member);
    expect(mine.data!._entities).toEqual([{ id: run, files: { totalCount: 1, nodes: [{ name: 'attached' }] } }]);
  });

  it("refuses a run of another organization, a run the caller cannot see and a made-up run, with NOT_FOUND, storing nothing", async () => {
    const theirRun = runs.create(orgB);
    const file = await upload(member, { name: 'to-attach' });
    const before = await stored();
    const refusals = [
      call(UPLOAD, { input: { organizationId: orgA, name: 'planted', contentType: 'text/plain', contentBase64: b64('x'), workflowRunId: theirRun } }, member),
      call(ATTACH, { input: { fileId: file.id, workflowRunId: theirRun } }, member),
      call(UPLOAD, { input: { organizationId: orgA, name: 'made-up', contentType: 'text/plain', contentBase64: b64('x'), workflowRunId: randomUUID() } }, member),
      call(ATTACH, { input: { fileId: file.id, workflowRunId: randomUUID() } }, member),
      // A member of both organizations sees the run, but it is not the file's organization's.
      call(ATTACH, { input: { fileId: file.id, workflowRunId: theirRun } }, person({ [orgA]: 'MEMBER', [orgB]: 'MEMBER' })),
    ];
    for (const refusal of refusals) expect(codesOf(await refusal)).toEqual(['NOT_FOUND']);
    expect(await stored()).toEqual(before);
    expect((await fileRow(file.id))!.workflowRunId).toBeNull();
    const res = await call(RUN_FILES, { r: [runRef(theirRun, orgB)] }, outsider);
    expect(res.data!._entities[0].files).toEqual({ totalCount: 0, nodes: [] });
  });

  it('asks about the run only once the file may be changed by the caller', async () => {
    const file = await upload(member, { name: 'guarded' });
    const asked = runs.asked.length;
    expect(codesOf(await call(ATTACH, { input: { fileId: file.id, workflowRunId: runs.create(orgA) } }, viewerOnly))).toEqual(['FORBIDDEN']);
    expect(codesOf(await call(ATTACH, { input: { fileId: file.id, workflowRunId: runs.create(orgB) } }, outsider))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(UPLOAD, { input: { organizationId: orgA, name: 'v', contentType: 'text/plain', contentBase64: b64('x'), workflowRunId: runs.create(orgA) } }, viewerOnly))).toEqual(['FORBIDDEN']);
    expect(runs.asked.length).toBe(asked);
  });
});

describe("listing an organization's files", () => {
  const orgC = randomUUID();
  const owner = person({ [orgC]: 'OWNER' });
  const run = runs.create(orgC);
  const LIST = `query($r: [_Any!]!, $first: Int, $after: String, $filter: FileFilter, $orderBy: FileOrder) {
    _entities(representations: $r) { ... on Organization { files(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      totalCount nodes { name size contentType } edges { cursor } pageInfo { hasNextPage hasPreviousPage endCursor } } } } }`;
  const list = async (vars: Record<string, unknown>, viewer: Viewer = owner) =>
    call(LIST, { r: [{ __typename: 'Organization', id: orgC }], ...vars }, viewer);
  const names = async (vars: Record<string, unknown>) => {
    const res = await list({ first: 100, ...vars });
    expect(res.errors).toBeUndefined();
    return res.data!._entities[0].files.nodes.map((n: { name: string }) => n.name);
  };

  beforeAll(async () => {
    const seed: [string, string, number, string?][] = [
      ['Beta report.pdf', 'application/pdf', 30],
      ['alpha notes.txt', 'text/plain', 10, run],
      ['photo_1.png', 'image/png', 50],
      ['photo-2.jpeg', 'image/jpeg', 20, run],
      ['100% done.txt', 'text/plain', 40],
    ];
    for (const [name, contentType, size, workflowRunId] of seed) {
      await upload(owner, { organizationId: orgC, name, contentType, content: 'x'.repeat(size), ...(workflowRunId ? { workflowRunId } : {}) });
    }
  });

  it('lists newest first by default and pages with cursors', async () => {
    expect(await names({})).toEqual(['100% done.txt', 'photo-2.jpeg', 'photo_1.png', 'alpha notes.txt', 'Beta report.pdf']);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const res = await list({ first: 2, after });
      const conn: any = res.data!._entities[0].files;
      expect(conn.totalCount).toBe(5);
      expect(conn.pageInfo.hasPreviousPage).toBe(page > 0);
      seen.push(...conn.nodes.map((n: { name: string }) => n.name));
      after = conn.pageInfo.endCursor;
      expect(conn.pageInfo.hasNextPage).toBe(page < 2);
    }
    expect(seen).toEqual(await names({}));
  });

  it('sorts by name, size and creation time in both directions', async () => {
    expect(await names({ orderBy: { field: 'SIZE', direction: 'ASC' } })).toEqual(['alpha notes.txt', 'photo-2.jpeg', 'Beta report.pdf', '100% done.txt', 'photo_1.png']);
    expect(await names({ orderBy: { field: 'SIZE', direction: 'DESC' } })).toEqual(['photo_1.png', '100% done.txt', 'Beta report.pdf', 'photo-2.jpeg', 'alpha notes.txt']);
    expect(await names({ orderBy: { field: 'CREATED_AT', direction: 'ASC' } })).toEqual(['Beta report.pdf', 'alpha notes.txt', 'photo_1.png', 'photo-2.jpeg', '100% done.txt']);
    const byName = await names({ orderBy: { field: 'NAME', direction: 'ASC' } });
    expect([...byName].reverse()).toEqual(await names({ orderBy: { field: 'NAME', direction: 'DESC' } }));
    expect(new Set(byName)).toEqual(new Set(await names({})));
    // Cursors carry the order they were made for, and pages keep it.
    const first = await list({ first: 2, orderBy: { field: 'SIZE', direction: 'ASC' } });
    const next = await list({ first: 10, after: first.data!._entities[0].files.pageInfo.endCursor, orderBy: { field: 'SIZE', direction: 'ASC' } });
    expect(next.data!._entities[0].files.nodes.map((n: { name: string }) => n.name)).toEqual(['Beta report.pdf', '100% done.txt', 'photo_1.png']);
  });

  it('filters by name case-insensitively, treating % and _ literally', async () => {
    expect(await names({ filter: { search: 'BETA' }, orderBy: { field: 'CREATED_AT', direction: 'ASC' } })).toEqual(['Beta report.pdf']);
    expect(await names({ filter: { search: '100%' } })).toEqual(['100% done.txt']);
    expect(await names({ filter: { search: '%' } })).toEqual(['100% done.txt']);
    expect(await names({ filter: { search: 'photo_' } })).toEqual(['photo_1.png']);
    expect(await names({ filter: { search: 'nothing like it' } })).toEqual([]);
  });

  it('filters by content type, a type family, and workflow run', async () => {
    expect(await names({ filter: { contentType: 'text/plain' } })).toEqual(['100% done.txt', 'alpha notes.txt']);
    expect(await names({ filter: { contentType: 'IMAGE/*' } })).toEqual(['photo-2.jpeg', 'photo_1.png']);
    expect(await names({ filter: { workflowRunId: run } })).toEqual(['photo-2.jpeg', 'alpha notes.txt']);
    expect(await names({ filter: { workflowRunId: run, contentType: 'text/plain' } })).toEqual(['alpha notes.txt']);
    const res = await list({ first: 1, filter: { contentType: 'image/*' } });
    expect(res.data!._entities[0].files.totalCount).toBe(2);
  });

  it('refuses bad page arguments, filters and cursors with BAD_USER_INPUT', async () => {
    const sized = await list({ first: 2, orderBy: { field: 'SIZE', direction: 'ASC' } });
    const cursor = sized.data!._entities[0].files.pageInfo.endCursor;
    for (const vars of [
      { first: 101 },
      { first: -1 },
      { after: 'garbage' },
      { after: cursor, orderBy: { field: 'NAME', direction: 'ASC' } },
      { filter: { search: 'x'.repeat(101) } },
      { filter: { contentType: 'text' } },
      { filter: { workflowRunId: 'run-1' } },
    ]) {
      expect(codesOf(await list(vars)), JSON.stringify(vars)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it("lets no one else list the organization's files", async () => {
    const Q = `query { _entities(representations: [{ __typename: "Organization", id: "${orgC}" }]) { ... on Organization { files { totalCount } } } }`;
    expect((await call(Q, {}, member)).data!._entities).toEqual([null]);
  });
});
