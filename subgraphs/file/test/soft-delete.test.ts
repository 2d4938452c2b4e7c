import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Role, Viewer } from '@organoise/core';
import { codesOf, createTestDatabase, subgraphClient, TEST_INTERNAL_SECRET, testLog, type TestDatabase } from '@organoise/core/testing';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileProcessing, fileVersions, files } from '../src/db/schema.js';
import { fileStream, organizationFilesStream } from '../src/domains/files/events.js';
import { purgeDeletedFiles } from '../src/domains/files/retention.js';
import { thumbnailKeyOf } from '../src/domains/processing/processing.js';
import { LocalDiskStorage, startFileSubgraph, SUBGRAPH_NAME, type BlobStorage, type FileSubgraph } from '../src/index.js';
import { StandInWorkflowRuns } from './support/runs.js';
import { startS3StandIn, type S3StandIn } from './support/s3-stand-in.js';

/**
 * Soft deletion with a retention period (domains/files/files.ts deleteFile and restoreFile,
 * domains/files/retention.ts): on local disk and on S3 (a STAND-IN S3 server,
 * test/support/s3-stand-in.ts: no real S3 runs here), on both databases through the vitest
 * projects. The purge is called as its timer calls it, with deletions moved back in time.
 */

const RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

const person = (memberships: Record<string, Role>): Viewer => ({ userId: randomUUID(), sessionId: randomUUID(), memberships });
const b64 = (content: string) => Buffer.from(content).toString('base64');

const UPLOAD = `mutation($input: UploadFileInput!) { uploadFile(input: $input) { id currentVersion } }`;
const UPLOAD_VERSION = `mutation($input: UploadFileVersionInput!) { uploadFileVersion(input: $input) { id currentVersion } }`;
const DELETE = `mutation($id: ID!, $key: String) { deleteFile(id: $id, idempotencyKey: $key) { deletedFileId organization { id } } }`;
const RESTORE = `mutation($id: ID!, $key: String) { restoreFile(id: $id, idempotencyKey: $key) { id name currentVersion deletedAt deletedBy { id } purgeAt versions { version contentBase64 } } }`;
const FILE = `query($id: ID!) { file(id: $id) { id name } }`;
const FILES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { files { totalCount nodes { id } } } } }`;
const DELETED = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization {
  deletedFiles { totalCount nodes { id name deletedAt deletedBy { id } purgeAt } } } } }`;
const RUN_FILES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on WorkflowRun { files { totalCount } } } }`;
const org = (id: string) => ({ r: [{ __typename: 'Organization', id }] });

type StorageFactory = () => Promise<{ storage: BlobStorage; cleanup: () => Promise<void> }>;

let standIn: S3StandIn | undefined;
afterAll(async () => {
  await standIn?.close();
});

const STORAGES: Array<[string, StorageFactory]> = [
  [
    'local disk',
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'organoise-soft-delete-'));
      return { storage: new LocalDiskStorage(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
  [
    'S3 (a stand-in S3 server)',
    async () => {
      standIn ??= await startS3StandIn();
      return { storage: await standIn.storage(), cleanup: async () => {} };
    },
  ],
];

describe.each(STORAGES)('soft deletion and the purge, on %s', (_name, makeStorage) => {
  let db: TestDatabase;
  let storage: BlobStorage;
  let cleanup: () => Promise<void>;
  let server: FileSubgraph;
  let call: ReturnType<typeof subgraphClient>;
  const runs = new StandInWorkflowRuns();

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ storage, cleanup } = await makeStorage());
    server = await startFileSubgraph({
      database: { url: db.url, dataDir: db.dataDir },
      internalTokenSecret: TEST_INTERNAL_SECRET,
      log: testLog,
      storage,
      workflowRuns: runs,
      fileRetentionDays: RETENTION_DAYS,
      // The tests run the purge themselves.
      filePurgeIntervalMs: DAY_MS,
    });
    call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
  });

  afterAll(async () => {
    await server?.close();
    await db?.drop();
    await cleanup?.();
  });

  /** An organization of its own per test, with its people. */
  function organization() {
    const orgId = randomUUID();
    return { orgId, owner: person({ [orgId]: 'OWNER' }), admin: person({ [orgId]: 'ADMIN' }), member: person({ [orgId]: 'MEMBER' }), viewer: person({ [orgId]: 'VIEWER' }) };
  }

  async function ok(query: string, variables: Record<string, unknown>, viewer: Viewer) {
    const res = await call(query, variables, viewer);
    expect(res.errors).toBeUndefined();
    return Object.values(res.data!)[0] as Record<string, any>;
  }

  /** A file with `versions` versions, each with a thumbnail as processing stores one (older versions' included). */
  async function fileWithVersions(viewer: Viewer, orgId: string, versions = 2, workflowRunId?: string) {
    const file = await ok(UPLOAD, { input: { organizationId: orgId, name: 'scan.txt', contentType: 'text/plain', contentBase64: b64('v1'), ...(workflowRunId ? { workflowRunId } : {}) } }, viewer);
    for (let v = 2; v <= versions; v++) await ok(UPLOAD_VERSION, { input: { fileId: file.id, contentBase64: b64(`v${v}`) } }, viewer);
    const keys = (await server.services.db.select({ key: fileVersions.storageKey }).from(fileVersions).where(eq(fileVersions.fileId, file.id))).map((r) => r.key);
    for (const key of keys) await storage.put(thumbnailKeyOf(key), new Uint8Array([1, 2, 3]));
    const current = keys.at(-1)!;
    const now = new Date();
    await server.services.db.insert(fileProcessing).values({
      fileId: file.id,
      organizationId: orgId,
      version: versions,
      state: 'DONE',
      attempts: 1,
      maxAttempts: 1,
      thumbnailKey: thumbnailKeyOf(current),
      queuedAt: now,
      updatedAt: now,
      finishedAt: now,
    });
    return { id: file.id as string, keys: [...keys, ...keys.map(thumbnailKeyOf)] };
  }

  const existing = async (keys: string[]) => (await Promise.all(keys.map((k) => storage.exists(k)))).filter(Boolean).length;
  const rowsOf = async (fileId: string) => ({
    files: (await server.services.db.select().from(files).where(eq(files.id, fileId))).length,
    versions: (await server.services.db.select().from(fileVersions).where(eq(fileVersions.fileId, fileId))).length,
    processing: (await server.services.db.select().from(fileProcessing).where(eq(fileProcessing.fileId, fileId))).length,
  });
  /** Moves a deletion back in time, as if it happened `days` days ago. */
  const backdate = (fileIds: string[], days: number) =>
    server.services.db.update(files).set({ deletedAt: new Date(Date.now() - days * DAY_MS) }).where(inArray(files.id, fileIds));
  const typesOf = async (stream: string) => (await server.services.bus.log.read(stream, 0, 100)).map((e) => e.type);
  const purge = (over: BlobStorage = storage) => purgeDeletedFiles({ db: server.services.db, storage: over, log: testLog }, { retentionDays: RETENTION_DAYS });

  it('takes a deleted file out of every read and list at once, emits file.deleted, and keeps its versions and bytes', async () => {
    const { orgId, member, admin } = organization();
    const run = runs.create(orgId);
    const file = await fileWithVersions(member, orgId, 2, run);
    expect(await ok(DELETE, { id: file.id }, member)).toEqual({ deletedFileId: file.id, organization: { id: orgId } });

    expect(codesOf(await call(FILE, { id: file.id }, admin))).toEqual(['NOT_FOUND']);
    expect((await ok(FILES, org(orgId), admin))[0].files).toEqual({ totalCount: 0, nodes: [] });
    expect((await ok(RUN_FILES, { r: [{ __typename: 'WorkflowRun', id: run, organization: { id: orgId } }] }, admin))[0].files).toEqual({ totalCount: 0 });
    expect(await ok(`query($r: [_Any!]!) { _entities(representations: $r) { ... on File { id } } }`, { r: [{ __typename: 'File', id: file.id }] }, admin)).toEqual([null]);
    // Every other change finds it gone; a second deletion too.
    expect(codesOf(await call(`mutation($input: RenameFileInput!) { renameFile(input: $input) { id } }`, { input: { fileId: file.id, name: 'x' } }, member))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(UPLOAD_VERSION, { input: { fileId: file.id, contentBase64: b64('v3') } }, member))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(DELETE, { id: file.id }, member))).toEqual(['NOT_FOUND']);

    expect(await rowsOf(file.id)).toEqual({ files: 1, versions: 2, processing: 1 });
    expect(await existing(file.keys)).toBe(4);
    const [row] = await server.services.db.select().from(files).where(eq(files.id, file.id));
    expect(row!.deletedBy).toBe(member.userId);
    expect(await typesOf(fileStream(file.id))).toEqual(['file.uploaded', 'file.version.added', 'file.deleted']);
  });

  it('lists deleted files to admins and owners only, and lets them restore one within the retention period (file.restored)', async () => {
    const { orgId, owner, admin, member, viewer } = organization();
    const file = await fileWithVersions(member, orgId);
    await ok(DELETE, { id: file.id }, member);

    expect(codesOf(await call(DELETED, org(orgId), member))).toEqual(['FORBIDDEN']);
    expect(codesOf(await call(DELETED, org(orgId), viewer))).toEqual(['FORBIDDEN']);
    const listed = (await ok(DELETED, org(orgId), owner))[0].deletedFiles;
    expect(listed).toMatchObject({ totalCount: 1, nodes: [{ id: file.id, name: 'scan.txt', deletedBy: { id: member.userId } }] });
    expect(listed.nodes[0].deletedAt).toEqual(expect.any(String));
    // The day it goes for good: the deletion plus this replica's retention period.
    expect(Date.parse(listed.nodes[0].purgeAt) - Date.parse(listed.nodes[0].deletedAt)).toBe(RETENTION_DAYS * DAY_MS);

    // Who may delete may not restore: admins and owners only (docs/decisions/0014-file-soft-delete.md).
    expect(codesOf(await call(RESTORE, { id: file.id }, member))).toEqual(['FORBIDDEN']);
    const restored = await ok(RESTORE, { id: file.id }, admin);
    expect(restored).toEqual({ id: file.id, name: 'scan.txt', currentVersion: 2, deletedAt: null, deletedBy: null, purgeAt: null, versions: [{ version: 2, contentBase64: b64('v2') }, { version: 1, contentBase64: b64('v1') }] });
    expect(await ok(FILE, { id: file.id }, member)).toEqual({ id: file.id, name: 'scan.txt' });
    expect((await ok(DELETED, org(orgId), admin))[0].deletedFiles.totalCount).toBe(0);
    expect(await typesOf(organizationFilesStream(orgId))).toEqual(['file.uploaded', 'file.version.added', 'file.deleted', 'file.restored']);
    // A file that is not deleted: CONFLICT, nothing emitted.
    expect(codesOf(await call(RESTORE, { id: file.id }, admin))).toEqual(['CONFLICT']);
    expect(codesOf(await call(RESTORE, { id: randomUUID() }, admin))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(RESTORE, { id: 'nope' }, admin))).toEqual(['BAD_USER_INPUT']);
    expect((await typesOf(fileStream(file.id))).at(-1)).toBe('file.restored');
  });

  it('refuses a restore past the retention period (NOT_FOUND) and no longer lists that file', async () => {
    const { orgId, admin } = organization();
    const file = await fileWithVersions(admin, orgId, 1);
    await ok(DELETE, { id: file.id }, admin);
    await backdate([file.id], RETENTION_DAYS + 1);
    expect((await ok(DELETED, org(orgId), admin))[0].deletedFiles.totalCount).toBe(0);
    expect(codesOf(await call(RESTORE, { id: file.id }, admin))).toEqual(['NOT_FOUND']);
    expect(await typesOf(fileStream(file.id))).toEqual(['file.uploaded', 'file.deleted']);
  });

  it("shows another organization's admin none of its deleted files, and lets them restore none (NOT_FOUND, nothing changes)", async () => {
    const a = organization();
    const b = organization();
    const file = await fileWithVersions(b.member, b.orgId);
    await ok(DELETE, { id: file.id }, b.member);
    // Their own list, and B's organization (not theirs: null through _entities, like every Organization field).
    expect((await ok(DELETED, org(a.orgId), a.admin))[0].deletedFiles).toEqual({ totalCount: 0, nodes: [] });
    expect(await ok(DELETED, org(b.orgId), a.admin)).toEqual([null]);
    for (const who of [a.admin, a.owner]) {
      expect(codesOf(await call(RESTORE, { id: file.id }, who))).toEqual(['NOT_FOUND']);
      expect(codesOf(await call(RESTORE, { id: file.id, key: randomUUID() }, who))).toEqual(['NOT_FOUND']);
      expect(codesOf(await call(DELETE, { id: file.id }, who))).toEqual(['NOT_FOUND']);
    }
    expect(await typesOf(fileStream(file.id))).toEqual(['file.uploaded', 'file.version.added', 'file.deleted']);
    const theirs = (await ok(DELETED, org(b.orgId), b.admin))[0].deletedFiles;
    expect(theirs.totalCount).toBe(1);
    expect(theirs.nodes[0].purgeAt).toEqual(expect.any(String));
  });

  it('completes a retried deleteFile and restoreFile with the same idempotency key exactly once', async () => {
    const { orgId, admin, member } = organization();
    const file = await fileWithVersions(member, orgId, 1);
    const deleteKey = randomUUID();
    const first = await ok(DELETE, { id: file.id, key: deleteKey }, member);
    expect(await ok(DELETE, { id: file.id, key: deleteKey }, member)).toEqual(first);
    // The key belongs to that deletion: another file, or restoreFile, may not use it.
    const other = await fileWithVersions(member, orgId, 1);
    expect(codesOf(await call(DELETE, { id: other.id, key: deleteKey }, member))).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect((await ok(FILE, { id: other.id }, member)).id).toBe(other.id);

    const restoreKey = randomUUID();
    const restored = await ok(RESTORE, { id: file.id, key: restoreKey }, admin);
    expect(await ok(RESTORE, { id: file.id, key: restoreKey }, admin)).toEqual(restored);
    expect(codesOf(await call(RESTORE, { id: file.id, key: deleteKey }, admin))).toEqual(['CONFLICT']);
    // The deletion's retry, after the restore: the same answer, and the file stays restored.
    expect(await ok(DELETE, { id: file.id, key: deleteKey }, member)).toEqual(first);
    expect((await ok(FILE, { id: file.id }, member)).id).toBe(file.id);
    expect(await typesOf(fileStream(file.id))).toEqual(['file.uploaded', 'file.deleted', 'file.restored']);
  });

  it('purges a file past its retention: the bytes of every version and every thumbnail, then its rows; nothing younger', async () => {
    // What earlier tests left past its retention goes first, so the count below is this test's.
    await purge();
    const { orgId, member, admin } = organization();
    const old = await fileWithVersions(member, orgId, 3);
    const young = await fileWithVersions(member, orgId, 2);
    const live = await fileWithVersions(member, orgId, 1);
    await ok(DELETE, { id: old.id }, member);
    await ok(DELETE, { id: young.id }, member);
    await backdate([old.id], RETENTION_DAYS + 1);
    await backdate([young.id], RETENTION_DAYS - 1);

    expect(await purge()).toBe(1);
    expect(await existing(old.keys)).toBe(0);
    expect(await rowsOf(old.id)).toEqual({ files: 0, versions: 0, processing: 0 });
    expect(await existing(young.keys)).toBe(young.keys.length);
    expect(await rowsOf(young.id)).toEqual({ files: 1, versions: 2, processing: 1 });
    expect(await existing(live.keys)).toBe(live.keys.length);
    expect(codesOf(await call(RESTORE, { id: old.id }, admin))).toEqual(['NOT_FOUND']);
    // The young one is still restorable; a second sweep finds nothing to do.
    expect(await purge()).toBe(0);
    expect((await ok(RESTORE, { id: young.id }, admin)).id).toBe(young.id);
  });

  it('finishes the purge of a file whose sweep died between removing the bytes and the rows', async () => {
    const { orgId, member, admin } = organization();
    const file = await fileWithVersions(member, orgId, 2);
    await ok(DELETE, { id: file.id }, member);
    await backdate([file.id], RETENTION_DAYS + 1);
    // The dead sweep: it claimed the file an hour ago and removed the bytes, then stopped.
    await server.services.db.update(files).set({ purgeClaimedAt: new Date(Date.now() - 60 * 60 * 1000) }).where(eq(files.id, file.id));
    for (const key of file.keys.slice(0, 3)) await storage.delete(key);
    // Claimed and on its way out: no longer listed, not restorable.
    expect((await ok(DELETED, org(orgId), admin))[0].deletedFiles.totalCount).toBe(0);
    expect(codesOf(await call(RESTORE, { id: file.id }, admin))).toEqual(['NOT_FOUND']);

    expect(await purge()).toBe(1);
    expect(await existing(file.keys)).toBe(0);
    expect(await rowsOf(file.id)).toEqual({ files: 0, versions: 0, processing: 0 });
  });

  it('purges each file once when several sweeps run at the same time (replicas)', async () => {
    await purge();
    const { orgId, member } = organization();
    const made = [];
    for (let i = 0; i < 6; i++) made.push(await fileWithVersions(member, orgId, 2));
    for (const f of made) await ok(DELETE, { id: f.id }, member);
    await backdate(made.map((f) => f.id), RETENTION_DAYS + 1);
    // Each sweep through a storage that counts its deletions by key.
    const deletions = new Map<string, number>();
    const counting = new Proxy(storage, {
      get: (target, prop, receiver) =>
        prop === 'delete'
          ? async (key: string) => {
              deletions.set(key, (deletions.get(key) ?? 0) + 1);
              await target.delete(key);
            }
          : (Reflect.get(target, prop, receiver) as unknown),
    });
    const counts = await Promise.all([purge(counting), purge(counting), purge(counting)]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(made.length);
    for (const f of made) {
      expect(await rowsOf(f.id)).toEqual({ files: 0, versions: 0, processing: 0 });
      expect(await existing(f.keys)).toBe(0);
      for (const key of f.keys) expect(deletions.get(key), key).toBe(1);
    }
  });
});
