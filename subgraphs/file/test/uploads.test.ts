import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Role, Viewer } from '@organoise/core';
import { codesOf, createTestDatabase, subgraphClient, TEST_INTERNAL_SECRET, testLog, type TestDatabase } from '@organoise/core/testing';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { files, fileVersions, uploads } from '../src/db/schema.js';
import { fileStream } from '../src/domains/files/events.js';
import { cleanUpExpiredUploads } from '../src/domains/uploads/uploads.js';
import { startFileSubgraph, SUBGRAPH_NAME, type FileSubgraph } from '../src/index.js';
import { startS3StandIn, type S3StandIn } from './support/s3-stand-in.js';
import { StandInWorkflowRuns } from './support/runs.js';

const MIB = 1024 * 1024;
let db: TestDatabase;
let storageDir: string;
let server: FileSubgraph;
let call: ReturnType<typeof subgraphClient>;
let origin: string;

beforeAll(async () => {
  db = await createTestDatabase();
  storageDir = await mkdtemp(path.join(tmpdir(), 'organoise-uploads-test-'));
  server = await startFileSubgraph({
    database: { url: db.url, dataDir: db.dataDir },
    internalTokenSecret: TEST_INTERNAL_SECRET,
    log: testLog,
    storageDir,
    workflowRuns: new StandInWorkflowRuns(),
  });
  call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
  origin = new URL(server.url).origin;
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

const sha256 = (content: Uint8Array) => createHash('sha256').update(content).digest('hex');
const UPLOAD_FIELDS = `id name size contentType sha256 partSize partCount expiresAt organization { id } file { id }
  target { url method headers { name value } expiresAt } receivedParts { partNumber size etag }`;
const CREATE = `mutation($input: CreateUploadInput!) { createUpload(input: $input) { ${UPLOAD_FIELDS} } }`;
// receivedParts left out: the stand-in S3 server has no ListParts.
const CREATE_S3 = `mutation($input: CreateUploadInput!) { createUpload(input: $input) { id partSize partCount target { url method headers { name value } } } }`;
const COMPLETE = `mutation($input: CompleteUploadInput!) { completeUpload(input: $input) { id name size sha256 contentType currentVersion owner { id } downloadUrl } }`;
const ABORT = `mutation($id: ID!) { abortUpload(id: $id) { abortedUploadId } }`;
const UPLOAD = `query($id: ID!) { upload(id: $id) { ${UPLOAD_FIELDS} } }`;
const PART_TARGETS = `query($id: ID!, $parts: [Int!]!) { upload(id: $id) { partTargets(partNumbers: $parts) { partNumber request { url method headers { name value } } } } }`;
const SETTINGS = `mutation($input: UploadSettingsInput!) { setUploadSettings(input: $input) { maxBytes allowedContentTypes organization { id } } }`;
const READ_SETTINGS = `query($org: ID!) { uploadSettings(organizationId: $org) { maxBytes allowedContentTypes } }`;
const DOWNLOAD = `query($id: ID!) { file(id: $id) { downloadUrl } }`;

type Request = { url: string; method: string; headers: Array<{ name: string; value: string }> };
/** Sends a signed request as a browser would: a relative URL goes to the API's origin (here the subgraph's own). */
const send = (request: Request, body?: Uint8Array) =>
  fetch(request.url.startsWith('/') ? origin + request.url : request.url, {
    method: request.method,
    headers: Object.fromEntries(request.headers.map((h) => [h.name, h.value])),
    ...(body ? { body } : {}),
  });
const get = (url: string, headers: Record<string, string> = {}) => fetch(url.startsWith('/') ? origin + url : url, { headers });

async function create(viewer: Viewer, content: Uint8Array, input: Record<string, unknown> = {}) {
  const res = await call(CREATE, { input: { organizationId: orgA, name: 'notes.txt', size: content.length, contentType: 'text/plain', sha256: sha256(content), ...input } }, viewer);
  expect(res.errors).toBeUndefined();
  return res.data!.createUpload as Record<string, any>;
}

async function complete(viewer: Viewer, uploadId: string, extra: Record<string, unknown> = {}) {
  return call(COMPLETE, { input: { uploadId, ...extra } }, viewer);
}

async function counts() {
  const [f] = await server.services.db.select({ n: count() }).from(files);
  const [u] = await server.services.db.select({ n: count() }).from(uploads);
  const entries = await readdir(storageDir, { recursive: true, withFileTypes: true }).catch(() => []);
  return { files: f!.n, uploads: u!.n, blobs: entries.filter((e) => e.isFile() && e.name.endsWith('.blob')).length };
}

describe('direct upload to local disk through the signed URL', () => {
  it('stores the bytes sent to the signed URL, makes the file on completion, and serves them back on the signed download URL', async () => {
    const content = randomBytes(300_000);
    const upload = await create(member, content, { name: 'scan.bin', contentType: 'application/octet-stream' });
    expect(upload).toMatchObject({ size: content.length, partCount: 1, partSize: null, file: null, organization: { id: orgA } });
    expect(upload.target.url).toMatch(/^\/files\/upload\//);
    const put = await send(upload.target, content);
    expect(put.status).toBe(200);
    const done = await complete(member, upload.id);
    expect(done.errors).toBeUndefined();
    const file = done.data!.completeUpload;
    expect(file).toMatchObject({ name: 'scan.bin', size: content.length, sha256: sha256(content), currentVersion: 1, owner: { id: member.userId } });
    const download = await get(file.downloadUrl);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain('attachment');
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
    const ranged = await get(file.downloadUrl, { range: 'bytes=100-199' });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(content.subarray(100, 200))).toBe(true);
    // Completing again answers with the same file, and the upload now shows it.
    expect((await complete(member, upload.id)).data!.completeUpload.id).toBe(file.id);
    expect((await call(UPLOAD, { id: upload.id }, member)).data!.upload).toMatchObject({ file: { id: file.id }, target: null });
  });

  it('refuses a completion before the bytes arrived (UPLOAD_INCOMPLETE) and creates nothing', async () => {
    const content = randomBytes(1000);
    const upload = await create(member, content);
    const before = await counts();
    expect(codesOf(await complete(member, upload.id))).toEqual(['UPLOAD_INCOMPLETE']);
    expect(await counts()).toEqual(before);
  });

  it('refuses bytes that are not the announced sha256 (CHECKSUM_MISMATCH), removing them, and creates no file', async () => {
    const announced = randomBytes(2000);
    const upload = await create(member, announced);
    const before = await counts();
    expect((await send(upload.target, randomBytes(2000))).status).toBe(200);
    expect(codesOf(await complete(member, upload.id))).toEqual(['CHECKSUM_MISMATCH']);
    expect(await counts()).toEqual({ ...before, uploads: before.uploads - 1 });
  });

  it('refuses a URL with a changed signature, part or expiry (403 SIGNED_URL_INVALID), more bytes than announced (413) and fewer (400)', async () => {
    const content = randomBytes(100);
    const upload = await create(member, content);
    const url = new URL(origin + upload.target.url);
    const tampered = [
      url.toString().replace(/signature=[^&]+/, 'signature=AAAA'),
      url.toString().replace('part=0', 'part=1'),
      url.toString().replace(/expires=\d+/, `expires=${Math.floor(Date.now() / 1000) + 999_999}`),
      url.toString().replace(/expires=\d+/, 'expires=1'),
      url.toString().replace(upload.id, randomUUID()),
    ];
    for (const bad of tampered) {
      const res = await fetch(bad, { method: 'PUT', body: content });
      expect(res.status, bad).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('SIGNED_URL_INVALID');
    }
    const tooMany = await send(upload.target, randomBytes(101));
    expect(tooMany.status).toBe(413);
    expect(((await tooMany.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    const tooFew = await send(upload.target, content.subarray(0, 50));
    expect(tooFew.status).toBe(400);
    expect(codesOf(await complete(member, upload.id))).toEqual(['UPLOAD_INCOMPLETE']);
    // The right bytes still go through afterwards.
    expect((await send(upload.target, content)).status).toBe(200);
    expect((await complete(member, upload.id)).errors).toBeUndefined();
  });

  it('refuses a download URL with a changed signature, key or name', async () => {
    const content = randomBytes(64);
    const upload = await create(member, content);
    await send(upload.target, content);
    const file = (await complete(member, upload.id)).data!.completeUpload;
    for (const bad of [file.downloadUrl.replace(/signature=[^&]+/, 'signature=AAAA'), file.downloadUrl.replace('name=notes.txt', 'name=other.txt'), file.downloadUrl.replace(orgA, orgB)]) {
      const res = await get(bad);
      expect(res.status, bad).toBe(403);
    }
  });
});

describe('multipart uploads on local disk', () => {
  it('resumes: answers which parts arrived, refuses completion while one is missing, then joins them', async () => {
    const content = randomBytes(8 * MIB + 12_345);
    const upload = await create(member, content, { multipart: true, contentType: 'application/octet-stream' });
    expect(upload).toMatchObject({ partSize: 8 * MIB, partCount: 2, target: null, receivedParts: [] });
    const targets = (await call(PART_TARGETS, { id: upload.id, parts: [1, 2] }, member)).data!.upload.partTargets as Array<{ partNumber: number; request: Request }>;
    expect(targets.map((t) => t.partNumber)).toEqual([1, 2]);
    // Part 2 arrives; the connection "drops" before part 1.
    expect((await send(targets[1]!.request, content.subarray(8 * MIB))).status).toBe(200);
    const seen = (await call(UPLOAD, { id: upload.id }, member)).data!.upload as { receivedParts: Array<{ partNumber: number }> };
    expect(seen.receivedParts.map((p) => p.partNumber)).toEqual([2]);
    const early = await complete(member, upload.id);
    expect(codesOf(early)).toEqual(['UPLOAD_INCOMPLETE']);
    expect(early.errors![0]!.extensions!.missingParts).toEqual([1]);
    // A part of the wrong length is refused and changes nothing.
    expect((await send(targets[0]!.request, content.subarray(0, 100))).status).toBe(400);
    expect((await send(targets[0]!.request, content.subarray(0, 8 * MIB))).status).toBe(200);
    const done = await complete(member, upload.id);
    expect(done.errors).toBeUndefined();
    expect(done.data!.completeUpload.sha256).toBe(sha256(content));
    const download = await get(done.data!.completeUpload.downloadUrl);
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
  });

  it('refuses part numbers outside the upload (BAD_USER_INPUT)', async () => {
    const upload = await create(member, randomBytes(10), { multipart: true });
    expect(codesOf(await call(PART_TARGETS, { id: upload.id, parts: [2] }, member))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('limits per organization', () => {
  it('lets admins set the largest size and the media types, and refuses uploads outside them', async () => {
    const org = randomUUID();
    const orgAdmin = person({ [org]: 'ADMIN' });
    const orgMember = person({ [org]: 'MEMBER' });
    expect((await call(READ_SETTINGS, { org }, orgMember)).data!.uploadSettings).toEqual({ maxBytes: 1024 * MIB, allowedContentTypes: null });
    const input = { organizationId: org, maxBytes: 100, allowedContentTypes: ['text/*', 'application/pdf'] };
    expect(codesOf(await call(SETTINGS, { input }, orgMember))).toEqual(['FORBIDDEN']);
    expect(codesOf(await call(SETTINGS, { input }, outsider))).toEqual(['NOT_FOUND']);
    expect((await call(SETTINGS, { input }, orgAdmin)).data!.setUploadSettings).toEqual({ maxBytes: 100, allowedContentTypes: ['text/*', 'application/pdf'], organization: { id: org } });
    const ask = (size: number, contentType: string) =>
      call(CREATE, { input: { organizationId: org, name: 'x', size, contentType, sha256: sha256(randomBytes(1)) } }, orgMember);
    const before = await counts();
    expect(codesOf(await ask(101, 'text/plain'))).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(codesOf(await ask(10, 'image/png'))).toEqual(['CONTENT_TYPE_NOT_ALLOWED']);
    expect(await counts()).toEqual(before);
    expect((await ask(100, 'text/csv')).errors).toBeUndefined();
    expect((await ask(100, 'application/pdf')).errors).toBeUndefined();
  });

  it('refuses a bad sha256, a negative size and a viewer (nothing created)', async () => {
    const before = await counts();
    const input = { organizationId: orgA, name: 'x', size: 1, contentType: 'text/plain', sha256: 'f'.repeat(64) };
    expect(codesOf(await call(CREATE, { input: { ...input, sha256: 'nope' } }, member))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await call(CREATE, { input: { ...input, size: -1 } }, member))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await call(CREATE, { input }, viewerOnly))).toEqual(['FORBIDDEN']);
    expect(await counts()).toEqual(before);
  });
});

describe('tenant isolation and roles', () => {
  it("keeps another tenant out of an upload and its file: NOT_FOUND everywhere, nothing changed", async () => {
    const content = randomBytes(500);
    const upload = await create(member, content);
    await send(upload.target, content);
    expect(codesOf(await call(UPLOAD, { id: upload.id }, outsider))).toEqual(['NOT_FOUND']);
    expect(codesOf(await complete(outsider, upload.id))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(ABORT, { id: upload.id }, outsider))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(CREATE, { input: { organizationId: orgA, name: 'x', size: 1, contentType: 'text/plain', sha256: 'f'.repeat(64) } }, outsider))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(SETTINGS, { input: { organizationId: orgA, maxBytes: 1 } }, outsider))).toEqual(['NOT_FOUND']);
    // Another member of the same organization may not complete someone else's upload; an admin may.
    expect(codesOf(await complete(otherMember, upload.id))).toEqual(['FORBIDDEN']);
    const file = (await complete(admin, upload.id)).data!.completeUpload;
    expect(file.owner).toEqual({ id: member.userId });
    expect(codesOf(await call(DOWNLOAD, { id: file.id }, outsider))).toEqual(['NOT_FOUND']);
    expect((await call(DOWNLOAD, { id: file.id }, viewerOnly)).data!.file.downloadUrl).toMatch(/^\/files\/download\//);
  });
});

describe('a new version uploaded directly (createVersionUpload)', () => {
  const CREATE_VERSION = `mutation($input: CreateVersionUploadInput!) { createVersionUpload(input: $input) { ${UPLOAD_FIELDS} } }`;
  const FILE = `query($id: ID!) { file(id: $id) { id name contentType size sha256 currentVersion owner { id } downloadUrl
    versions { version size sha256 contentType } processing { version } } }`;

  async function uploaded(content: Uint8Array) {
    const upload = await create(member, content, { name: 'report.txt' });
    expect((await send(upload.target, content)).status).toBe(200);
    const done = await complete(member, upload.id);
    expect(done.errors).toBeUndefined();
    return done.data!.completeUpload as Record<string, any>;
  }
  const createVersion = (viewer: Viewer, fileId: string, content: Uint8Array, input: Record<string, unknown> = {}) =>
    call(CREATE_VERSION, { input: { fileId, size: content.length, sha256: sha256(content), ...input } }, viewer);
  const versionRows = async (fileId: string) => (await server.services.db.select({ n: count() }).from(fileVersions).where(eq(fileVersions.fileId, fileId)))[0]!.n;

  it('appends the next version on completion: the older one kept, its event and processing job written with it', async () => {
    const first = await uploaded(randomBytes(400));
    const content = randomBytes(300_000);
    const created = await createVersion(otherMember, first.id, content, { contentType: 'application/octet-stream' });
    expect(created.errors).toBeUndefined();
    const upload = created.data!.createVersionUpload;
    // The upload takes the file's name and organization; no file is shown until it completes.
    expect(upload).toMatchObject({ name: 'report.txt', size: content.length, contentType: 'application/octet-stream', organization: { id: orgA }, file: null });
    expect((await send(upload.target, content)).status).toBe(200);
    const done = await complete(otherMember, upload.id);
    expect(done.errors).toBeUndefined();
    expect(done.data!.completeUpload).toMatchObject({ id: first.id, currentVersion: 2, size: content.length, sha256: sha256(content), owner: { id: member.userId } });
    const file = (await call(FILE, { id: first.id }, viewerOnly)).data!.file;
    expect(file.versions).toEqual([
      { version: 2, size: content.length, sha256: sha256(content), contentType: 'application/octet-stream' },
      { version: 1, size: 400, sha256: first.sha256, contentType: 'text/plain' },
    ]);
    expect(file.processing).toEqual({ version: 2 });
    const download = await get(file.downloadUrl);
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
    const events = (await server.services.bus.log.read(fileStream(first.id), 0)).map((e) => e.type);
    expect(events.filter((t) => t.startsWith('file.version') || t === 'file.uploaded')).toEqual(['file.uploaded', 'file.version.added']);
    expect((await call(UPLOAD, { id: upload.id }, otherMember)).data!.upload).toMatchObject({ file: { id: first.id }, target: null });
  });

  it('adds one version however often the completion is retried (the same key, another key, or none)', async () => {
    const first = await uploaded(randomBytes(100));
    const content = randomBytes(5000);
    const upload = (await createVersion(member, first.id, content, { idempotencyKey: randomUUID() })).data!.createVersionUpload;
    await send(upload.target, content);
    const key = randomUUID();
    const answers = await Promise.all([complete(member, upload.id, { idempotencyKey: key }), complete(member, upload.id, { idempotencyKey: key })]);
    answers.push(await complete(member, upload.id, { idempotencyKey: key }), await complete(member, upload.id, { idempotencyKey: randomUUID() }), await complete(member, upload.id));
    for (const answer of answers) {
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.completeUpload).toMatchObject({ id: first.id, currentVersion: 2 });
    }
    expect(await versionRows(first.id)).toBe(2);
  });

  it("refuses another tenant's file (NOT_FOUND), an unknown id (NOT_FOUND) and a viewer (FORBIDDEN), creating nothing", async () => {
    const first = await uploaded(randomBytes(100));
    const content = randomBytes(100);
    const before = await counts();
    expect(codesOf(await createVersion(outsider, first.id, content))).toEqual(['NOT_FOUND']);
    expect(codesOf(await createVersion(member, randomUUID(), content))).toEqual(['NOT_FOUND']);
    expect(codesOf(await createVersion(viewerOnly, first.id, content))).toEqual(['FORBIDDEN']);
    expect(await counts()).toEqual(before);
    expect(await versionRows(first.id)).toBe(1);
  });

  it("applies the organization's limits, and refuses the completion once the file is gone (NOT_FOUND, no version)", async () => {
    const first = await uploaded(randomBytes(100));
    const big = await createVersion(member, first.id, randomBytes(10), { size: 2 ** 31 - 1 });
    expect(codesOf(big)).toEqual(['PAYLOAD_TOO_LARGE']);
    const content = randomBytes(50);
    const upload = (await createVersion(member, first.id, content)).data!.createVersionUpload;
    expect(upload.contentType).toBe('text/plain');
    await send(upload.target, content);
    const deleted = await call(`mutation($id: ID!) { deleteFile(id: $id) { deletedFileId } }`, { id: first.id }, member);
    expect(deleted.errors).toBeUndefined();
    expect(codesOf(await complete(member, upload.id))).toEqual(['NOT_FOUND']);
    // Only the first version, kept with the deleted file for its retention period.
    expect(await versionRows(first.id)).toBe(1);
  });
});

describe('idempotency keys', () => {
  it('answers a retried createUpload with the same upload, and refuses the key for another input', async () => {
    const content = randomBytes(10);
    const key = randomUUID();
    const first = await create(member, content, { idempotencyKey: key });
    const again = await create(member, content, { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    const other = await call(CREATE, { input: { organizationId: orgA, name: 'other.txt', size: 10, contentType: 'text/plain', sha256: sha256(content), idempotencyKey: key } }, member);
    expect(codesOf(other)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
  });
});

describe('abandoned uploads', () => {
  it('are removed with their bytes once expired; a completion then finds nothing', async () => {
    const content = randomBytes(700);
    const upload = await create(member, content);
    await send(upload.target, content);
    const parted = await create(member, randomBytes(10), { multipart: true });
    const before = await counts();
    const removed = await cleanUpExpiredUploads({ ...server.services, log: testLog, clientIp: null }, new Date(Date.now() + 25 * 60 * 60 * 1000));
    expect(removed).toBeGreaterThanOrEqual(2);
    const after = await counts();
    expect(after.blobs).toBeLessThan(before.blobs);
    expect(after.files).toBe(before.files);
    expect(codesOf(await complete(member, upload.id))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(UPLOAD, { id: parted.id }, member))).toEqual(['NOT_FOUND']);
    const [row] = await server.services.db.select().from(uploads).where(eq(uploads.id, upload.id));
    expect(row).toBeUndefined();
  });

  it('aborts an open upload with its bytes', async () => {
    const content = randomBytes(300);
    const upload = await create(member, content);
    await send(upload.target, content);
    const before = await counts();
    expect((await call(ABORT, { id: upload.id }, member)).data!.abortUpload).toEqual({ abortedUploadId: upload.id });
    expect(await counts()).toEqual({ ...before, uploads: before.uploads - 1, blobs: before.blobs - 1 });
  });
});

describe('direct upload to S3 (a STAND-IN S3 server: no real S3 runs here)', () => {
  let standIn: S3StandIn;
  let s3Server: FileSubgraph;
  let s3Call: ReturnType<typeof subgraphClient>;
  let s3Db: TestDatabase;

  beforeAll(async () => {
    standIn = await startS3StandIn();
    s3Db = await createTestDatabase();
    s3Server = await startFileSubgraph({
      database: { url: s3Db.url, dataDir: s3Db.dataDir },
      internalTokenSecret: TEST_INTERNAL_SECRET,
      log: testLog,
      storage: await standIn.storage(),
      workflowRuns: new StandInWorkflowRuns(),
    });
    s3Call = subgraphClient(s3Server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
  });
  afterAll(async () => {
    await s3Server?.close();
    await s3Db?.drop();
    await standIn?.close();
  });

  it('hands out a presigned PUT, checks the bytes on completion and downloads through a presigned GET', async () => {
    const content = randomBytes(50_000);
    const res = await s3Call(CREATE_S3, { input: { organizationId: orgA, name: 'photo.png', size: content.length, contentType: 'image/png', sha256: sha256(content) } }, member);
    const upload = res.data!.createUpload;
    expect(upload.target.url).toMatch(new RegExp(`^${standIn.endpoint}/`));
    expect((await send(upload.target, content)).status).toBe(200);
    const done = await s3Call(COMPLETE, { input: { uploadId: upload.id } }, member);
    expect(done.errors).toBeUndefined();
    const download = await fetch(done.data!.completeUpload.downloadUrl);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
  });

  it('takes a multipart upload on presigned part URLs, completed with the parts and their ETags', async () => {
    const content = randomBytes(8 * MIB + 1000);
    const created = await s3Call(CREATE_S3, { input: { organizationId: orgA, name: 'big.bin', size: content.length, contentType: 'application/octet-stream', sha256: sha256(content), multipart: true } }, member);
    expect(created.errors).toBeUndefined();
    const upload = created.data!.createUpload;
    const targets = (await s3Call(PART_TARGETS, { id: upload.id, parts: [1, 2] }, member)).data!.upload.partTargets as Array<{ partNumber: number; request: Request }>;
    const parts = [];
    for (const t of targets) {
      const answer = await send(t.request, content.subarray((t.partNumber - 1) * 8 * MIB, t.partNumber * 8 * MIB));
      expect(answer.status).toBe(200);
      parts.push({ partNumber: t.partNumber, etag: answer.headers.get('etag') ?? '' });
    }
    expect(codesOf(await s3Call(COMPLETE, { input: { uploadId: upload.id } }, member))).toEqual(['BAD_USER_INPUT']);
    const done = await s3Call(COMPLETE, { input: { uploadId: upload.id, parts } }, member);
    expect(done.errors).toBeUndefined();
    expect(done.data!.completeUpload).toMatchObject({ size: content.length, sha256: sha256(content) });
  });
});
