import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { metricsText, type Role, type Viewer } from '@organoise/core';
import { codesOf, createTestDatabase, subgraphClient, TEST_INTERNAL_SECRET, testEnv, testLog, waitFor, type TestDatabase } from '@organoise/core/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { files } from '../src/db/schema.js';
import { fileStream } from '../src/domains/files/events.js';
import { purgeDeletedFiles } from '../src/domains/files/retention.js';
import { PROCESSING_DEAD_LETTER_QUEUE, PROCESSING_QUEUE, type ProcessingConfig } from '../src/domains/processing/queue.js';
import { startFileSubgraph, SUBGRAPH_NAME, type FileSubgraph } from '../src/index.js';
import { StandInWorkflowRuns } from './support/runs.js';

/**
 * Processing after upload (domains/processing), on the real job queue (pg-boss on this project's
 * database: PGlite or Postgres), the real extractors and local-disk storage: each fixture is
 * uploaded directly and its findings read back through GraphQL. Waits are for a state, never
 * for a time: the suite's timeout is the only clock.
 */
const FIXTURES = new URL('./fixtures/processing/', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));

// Fast retries and supervision for the tests; production's defaults are in DEFAULT_PROCESSING_CONFIG.
const FAST: Partial<ProcessingConfig> = { maxAttempts: 3, retryDelaySeconds: 1, retryDelayMaxSeconds: 4, pollingIntervalSeconds: 0.5, superviseIntervalSeconds: 1, stopTimeoutMs: 1000 };

const orgA = randomUUID();
const orgB = randomUUID();
const person = (memberships: Record<string, Role>): Viewer => ({ userId: randomUUID(), sessionId: randomUUID(), memberships });
const member = person({ [orgA]: 'MEMBER' });
const admin = person({ [orgA]: 'ADMIN' });
const viewerOnly = person({ [orgA]: 'VIEWER' });
const outsider = person({ [orgB]: 'OWNER' });

const CREATE = `mutation($input: CreateUploadInput!) { createUpload(input: $input) { id target { url method headers { name value } } } }`;
const COMPLETE = `mutation($input: CompleteUploadInput!) { completeUpload(input: $input) { id processing { state } } }`;
const REPROCESS = `mutation($id: ID!) { reprocessFile(fileId: $id) { id processing { state attempts } } }`;
const PROCESSING = `query($id: ID!) { file(id: $id) { id contentType processing {
  state version attempts maxAttempts lastError detectedContentType textLength textPreview thumbnailUrl queuedAt finishedAt } } }`;

interface Running {
  server: FileSubgraph;
  call: ReturnType<typeof subgraphClient>;
  origin: string;
}

async function start(database: { url: string | undefined; dataDir: string | undefined }, storageDir: string, processing: Partial<ProcessingConfig> = {}): Promise<Running> {
  const server = await startFileSubgraph({
    database,
    internalTokenSecret: TEST_INTERNAL_SECRET,
    log: testLog,
    storageDir,
    workflowRuns: new StandInWorkflowRuns(),
    processing: { ...FAST, ...processing },
  });
  return { server, call: subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET), origin: new URL(server.url).origin };
}

/** createUpload, PUT the bytes to the signed URL, completeUpload: the file's id. */
async function uploadDirect(run: Running, viewer: Viewer, name: string, contentType: string, bytes: Uint8Array): Promise<string> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const created = await run.call(CREATE, { input: { organizationId: orgA, name, size: bytes.length, contentType, sha256 } }, viewer);
  expect(created.errors).toBeUndefined();
  const target = created.data!.createUpload.target;
  const put = await fetch(run.origin + target.url, { method: target.method, headers: Object.fromEntries(target.headers.map((h: { name: string; value: string }) => [h.name, h.value])), body: bytes });
  expect(put.status).toBe(200);
  const done = await run.call(COMPLETE, { input: { uploadId: created.data!.createUpload.id } }, viewer);
  expect(done.errors).toBeUndefined();
  // Queued in the completion's own transaction: the answer already shows the job.
  expect(['QUEUED', 'RUNNING', 'RETRYING', 'DONE', 'FAILED']).toContain(done.data!.completeUpload.processing.state);
  return done.data!.completeUpload.id;
}

/** Reads the file's processing until `until` holds (the test's timeout ends a wait that never does). */
async function processingWhen(run: Running, fileId: string, until: (p: Record<string, any>) => boolean, viewer: Viewer = member): Promise<Record<string, any>> {
  for (;;) {
    const res = await run.call(PROCESSING, { id: fileId }, viewer);
    expect(res.errors).toBeUndefined();
    const p = res.data!.file.processing;
    if (p && until(p)) return p;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
const finished = (p: Record<string, any>) => p.state === 'DONE' || p.state === 'FAILED';

/** A fresh database this suite may restart a subgraph on: a PGlite folder on disk, or a Postgres database. */
async function restartableDatabase(): Promise<{ database: { url: string | undefined; dataDir: string | undefined }; drop: () => Promise<void> }> {
  const db = await createTestDatabase();
  if (db.url) return { database: { url: db.url, dataDir: undefined }, drop: db.drop };
  const dataDir = await mkdtemp(path.join(tmpdir(), 'organoise-processing-db-'));
  return { database: { url: undefined, dataDir }, drop: () => rm(dataDir, { recursive: true, force: true }) };
}

describe('processing after a direct upload', () => {
  let db: TestDatabase;
  let storageDir: string;
  let run: Running;

  beforeAll(async () => {
    db = await createTestDatabase();
    storageDir = await mkdtemp(path.join(tmpdir(), 'organoise-processing-test-'));
    run = await start({ url: db.url, dataDir: db.dataDir }, storageDir);
  });

  afterAll(async () => {
    await run?.server.close();
    await db?.drop();
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  const formats = [
    { name: 'notes.txt', declared: 'text/plain', detected: 'text/plain', word: 'pipette calibration' },
    { name: 'protocol.md', declared: 'text/markdown', detected: 'text/markdown', word: 'Split the organoids every seven days' },
    { name: 'samples.json', declared: 'application/json', detected: 'application/json', word: 'hypoxia series' },
    { name: 'samples.csv', declared: 'text/csv', detected: 'text/csv', word: 'S-1 colon healthy, fast growing' },
    // Declared as anything: the bytes say PDF.
    { name: 'report.pdf', declared: 'application/octet-stream', detected: 'application/pdf', word: 'Organoid growth rose by twelve percent' },
  ];
  for (const f of formats) {
    it(`extracts the text of ${f.name} (${f.detected}) and saves it on the file`, { timeout: 120_000 }, async () => {
      const fileId = await uploadDirect(run, member, f.name, f.declared, fixture(f.name));
      const p = await processingWhen(run, fileId, finished);
      expect(p).toMatchObject({ state: 'DONE', version: 1, attempts: 1, maxAttempts: 3, lastError: null, detectedContentType: f.detected, thumbnailUrl: null });
      expect(p.textPreview).toContain(f.word);
      expect(p.textLength).toBe(p.textPreview.length);
      expect(p.finishedAt).not.toBeNull();
    });
  }

  it('sniffs an image whatever its declared type, stores a WebP thumbnail beside it, and serves it on a signed URL', { timeout: 120_000 }, async () => {
    const fileId = await uploadDirect(run, member, 'photo.bin', 'application/octet-stream', fixture('photo.png'));
    const p = await processingWhen(run, fileId, finished);
    expect(p).toMatchObject({ state: 'DONE', detectedContentType: 'image/png', textLength: null, textPreview: null });
    expect(p.thumbnailUrl).toMatch(/^\/files\/download\//);
    const thumb = await fetch(run.origin + p.thumbnailUrl);
    expect(thumb.status).toBe(200);
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    // 640 x 480 fits in 256 x 256 as 256 x 192.
    expect(meta).toMatchObject({ format: 'webp', width: 256, height: 192 });
    // Deleting the file keeps the thumbnail for the retention period; the purge removes it with the bytes.
    const deleted = await run.call(`mutation($id: ID!) { deleteFile(id: $id) { deletedFileId } }`, { id: fileId }, member);
    expect(deleted.errors).toBeUndefined();
    expect((await fetch(run.origin + p.thumbnailUrl)).status).toBe(200);
    const { db, storage } = run.server.services;
    await db.update(files).set({ deletedAt: new Date(Date.now() - 31 * 24 * 3600 * 1000) }).where(eq(files.id, fileId));
    await purgeDeletedFiles({ db, storage, log: testLog }, { retentionDays: 30 });
    expect((await fetch(run.origin + p.thumbnailUrl)).status).toBe(404);
  });

  it('appends file.processed to the file stream (what fileProcessed delivers) once the findings are saved', { timeout: 120_000 }, async () => {
    const fileId = await uploadDirect(run, member, 'notes.txt', 'text/plain', fixture('notes.txt'));
    await processingWhen(run, fileId, finished);
    const types = (await run.server.services.bus.log.read(fileStream(fileId), 0, 10)).map((e) => e.type);
    expect(types).toEqual(['file.uploaded', 'file.processed']);
  });

  it('retries a failing job with backoff, then dead-letters it after maxAttempts tries, visible on the file', { timeout: 180_000 }, async () => {
    // A PDF header with nothing readable after it: every try fails the same way.
    const fileId = await uploadDirect(run, member, 'broken.pdf', 'application/pdf', fixture('broken.pdf'));
    const seen = new Set<string>();
    const p = await processingWhen(run, fileId, (q) => {
      seen.add(q.state);
      return q.state === 'FAILED';
    });
    expect(p).toMatchObject({ state: 'FAILED', attempts: 3, maxAttempts: 3, detectedContentType: null });
    expect(p.lastError).toMatch(/PDF could not be read/);
    // Each try is the same job, retried with backoff by the queue; after the third it is in the dead-letter queue.
    const boss = run.server.services.processing.boss;
    const [dead] = await boss.findJobs<{ fileId: string }>(PROCESSING_DEAD_LETTER_QUEUE, { data: { fileId } });
    expect(dead).toMatchObject({ sourceName: PROCESSING_QUEUE, sourceRetryCount: 2 });
    const queue = await boss.getQueue(PROCESSING_QUEUE);
    expect(queue).toMatchObject({ retryLimit: 2, retryBackoff: true, retryDelay: 1, deadLetter: PROCESSING_DEAD_LETTER_QUEUE });
    const types = (await run.server.services.bus.log.read(fileStream(fileId), 0, 10)).map((e) => e.type);
    expect(types).toEqual(['file.uploaded', 'file.processing.failed']);
    // It went through RETRYING, not straight to FAILED (unless every poll missed it, which the attempts above rule out).
    expect(seen.has('DONE')).toBe(false);
  });

  it('exports the queues\' depth to Prometheus: the dead-lettered job waits in the dead-letter queue', { timeout: 120_000 }, async () => {
    // Counts as pg-boss keeps them on its queue rows (its supervisor refreshes them: 1 s here).
    const series = `organoise_job_queue_jobs{service="file",queue="${PROCESSING_DEAD_LETTER_QUEUE}",state="ready"}`;
    const read = async () => Number(/^(\S+) (\S+)$/m.exec((await metricsText()).split('\n').find((line) => line.startsWith(series)) ?? '')?.[2] ?? NaN);
    await waitFor(async () => (await read()) >= 1, 'the dead-lettered job counted', 60_000);
    expect(await metricsText()).toMatch(new RegExp(`organoise_job_queue_jobs\\{service="file",queue="${PROCESSING_QUEUE}",state="active"\\} \\d+`));
  });

  it('lets an admin process a file again as a new job (a member: FORBIDDEN, another tenant: NOT_FOUND)', { timeout: 120_000 }, async () => {
    const fileId = await uploadDirect(run, member, 'samples.json', 'application/json', fixture('samples.json'));
    await processingWhen(run, fileId, finished);
    expect(codesOf(await run.call(REPROCESS, { id: fileId }, member))).toEqual(['FORBIDDEN']);
    expect(codesOf(await run.call(REPROCESS, { id: fileId }, outsider))).toEqual(['NOT_FOUND']);
    const again = await run.call(REPROCESS, { id: fileId }, admin);
    expect(again.errors).toBeUndefined();
    expect(['QUEUED', 'RUNNING', 'DONE']).toContain(again.data!.reprocessFile.processing.state);
    await waitForEvents(fileId, 2);
    expect(await processingWhen(run, fileId, finished)).toMatchObject({ state: 'DONE', attempts: 1, detectedContentType: 'application/json' });
    const types = (await run.server.services.bus.log.read(fileStream(fileId), 0, 10)).map((e) => e.type);
    expect(types).toEqual(['file.uploaded', 'file.processed', 'file.processed']);
  });

  /** Until the file's stream holds `count` file.processed events. */
  async function waitForEvents(fileId: string, count: number) {
    for (;;) {
      const events = await run.server.services.bus.log.read(fileStream(fileId), 0, 100);
      if (events.filter((e) => e.type === 'file.processed').length >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('shows processing to every member of the file organization and to no other tenant', { timeout: 120_000 }, async () => {
    const fileId = await uploadDirect(run, member, 'notes.txt', 'text/plain', fixture('notes.txt'));
    await processingWhen(run, fileId, finished);
    expect((await run.call(PROCESSING, { id: fileId }, viewerOnly)).data!.file.processing.state).toBe('DONE');
    const other = await run.call(PROCESSING, { id: fileId }, outsider);
    expect(codesOf(other)).toEqual(['NOT_FOUND']);
    expect(other.data?.file ?? null).toBeNull();
  });
});

describe('processing across a restart', () => {
  it('loses no job queued while no worker ran: the next instance processes it', { timeout: 300_000 }, async () => {
    const { database, drop } = await restartableDatabase();
    const storageDir = await mkdtemp(path.join(tmpdir(), 'organoise-processing-restart-'));
    try {
      // This instance only enqueues (no worker): the job waits in the database.
      const first = await start(database, storageDir, { concurrency: 0 });
      const fileId = await uploadDirect(first, member, 'samples.csv', 'text/csv', fixture('samples.csv'));
      expect((await first.call(PROCESSING, { id: fileId }, member)).data!.file.processing).toMatchObject({ state: 'QUEUED', attempts: 0 });
      // Queued already: asking again is a CONFLICT, and queues nothing more.
      expect(codesOf(await first.call(REPROCESS, { id: fileId }, admin))).toEqual(['CONFLICT']);
      await first.server.close();
      const second = await start(database, storageDir);
      try {
        const p = await processingWhen(second, fileId, finished);
        expect(p).toMatchObject({ state: 'DONE', attempts: 1, detectedContentType: 'text/csv' });
      } finally {
        await second.server.close();
      }
    } finally {
      await drop();
      await rm(storageDir, { recursive: true, force: true });
    }
  });

  it('retries a job that was running when the instance stopped: the next instance finishes it', { timeout: 300_000 }, async () => {
    const { database, drop } = await restartableDatabase();
    const storageDir = await mkdtemp(path.join(tmpdir(), 'organoise-processing-restart-'));
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    try {
      // Test seam: the first instance's try waits here, in the middle of the job, until released.
      const first = await start(database, storageDir, { beforeTry: () => held });
      const fileId = await uploadDirect(first, member, 'protocol.md', 'text/markdown', fixture('protocol.md'));
      await processingWhen(first, fileId, (p) => p.state === 'RUNNING');
      // Stopping waits stopTimeoutMs for the try, then fails it: the queue retries it later.
      await first.server.close();
      release();
      const second = await start(database, storageDir);
      try {
        const p = await processingWhen(second, fileId, finished);
        expect(p).toMatchObject({ state: 'DONE', attempts: 2, lastError: null, detectedContentType: 'text/markdown' });
        expect(p.textPreview).toContain('Passage protocol');
      } finally {
        await second.server.close();
      }
    } finally {
      release();
      await drop();
      await rm(storageDir, { recursive: true, force: true });
    }
  });

  it('answers SUBGRAPH_UNAVAILABLE with nothing written when the queue cannot take the job (its table is gone), and completes the same upload once it is back', { timeout: 120_000 }, async () => {
    const db = await createTestDatabase();
    const storageDir = await mkdtemp(path.join(tmpdir(), 'organoise-processing-queue-'));
    const run = await start({ url: db.url, dataDir: db.dataDir }, storageDir);
    try {
      const bytes = fixture('notes.txt');
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const created = await run.call(CREATE, { input: { organizationId: orgA, name: 'notes.txt', size: bytes.length, contentType: 'text/plain', sha256 } }, member);
      const { id: uploadId, target } = created.data!.createUpload;
      expect((await fetch(run.origin + target.url, { method: 'PUT', headers: Object.fromEntries(target.headers.map((h: { name: string; value: string }) => [h.name, h.value])), body: bytes })).status).toBe(200);
      // The queue's own table, renamed away under pg-boss (as an operator's mistake or a broken
      // migration would leave it): its INSERT fails for real inside the completion's transaction.
      const { db: database } = run.server.services;
      // postgres.js answers the rows, PGlite { rows }.
      const answer = (await database.execute(sql`select table_name from files_jobs.queue where name = ${PROCESSING_QUEUE}`)) as unknown as Array<{ table_name: string }> | { rows: Array<{ table_name: string }> };
      const [queue] = Array.isArray(answer) ? answer : answer.rows;
      const table = queue!.table_name;
      await database.execute(sql.raw(`alter table files_jobs.${table} rename to ${table}_away`));
      const organizationStream = await run.server.services.bus.log.head(`file.org:${orgA}`);
      let restored = false;
      try {
        const refused = await run.call(COMPLETE, { input: { uploadId, idempotencyKey: randomUUID() } }, member);
        expect(codesOf(refused)).toEqual(['SUBGRAPH_UNAVAILABLE']);
        expect(refused.errors![0]!.extensions).toMatchObject({ reason: 'job-queue' });
        // Nothing written: no file, no processing row, no event; the upload still open.
        const upload = await run.call(`query($id: ID!) { upload(id: $id) { file { id } } }`, { id: uploadId }, member);
        expect(upload.data!.upload.file).toBeNull();
        expect(await database.select().from(files).where(eq(files.organizationId, orgA)).then((rows) => rows.filter((f) => f.name === 'notes.txt' && f.sha256 === sha256))).toEqual([]);
        expect(await run.server.services.bus.log.head(`file.org:${orgA}`)).toBe(organizationStream);
        await database.execute(sql.raw(`alter table files_jobs.${table}_away rename to ${table}`));
        restored = true;
      } finally {
        if (!restored) await database.execute(sql.raw(`alter table files_jobs.${table}_away rename to ${table}`)).catch(() => {});
      }
      const done = await run.call(COMPLETE, { input: { uploadId } }, member);
      expect(done.errors).toBeUndefined();
      const p = await processingWhen(run, done.data!.completeUpload.id, finished);
      expect(p).toMatchObject({ state: 'DONE', detectedContentType: 'text/plain' });
    } finally {
      await run.server.close();
      await db.drop();
      await rm(storageDir, { recursive: true, force: true });
    }
  });

  // Postgres only: on PGlite every statement shares one connection, and pg-boss reads a queue it
  // no longer knows through its own adapter, which waits for the open transaction: the refusal
  // this test provokes cannot happen there without an operator deleting the queue (decision 0013).
  it.skipIf(testEnv.TEST_DATABASE === 'pglite')('creates no file when its job cannot be queued: the completion rolls back whole, and succeeds once the queue is back', { timeout: 300_000 }, async () => {
    const { database, drop } = await restartableDatabase();
    const storageDir = await mkdtemp(path.join(tmpdir(), 'organoise-processing-atomic-'));
    try {
      const first = await start(database, storageDir);
      const bytes = fixture('notes.txt');
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const created = await first.call(CREATE, { input: { organizationId: orgA, name: 'notes.txt', size: bytes.length, contentType: 'text/plain', sha256 } }, member);
      const { id: uploadId, target } = created.data!.createUpload;
      expect((await fetch(first.origin + target.url, { method: 'PUT', headers: Object.fromEntries(target.headers.map((h: { name: string; value: string }) => [h.name, h.value])), body: bytes })).status).toBe(200);
      // The queue is gone (as if an operator deleted it): the job's insert fails inside the completion's transaction.
      await first.server.services.processing.boss.deleteQueue(PROCESSING_QUEUE);
      const refused = await first.call(COMPLETE, { input: { uploadId } }, member);
      expect(codesOf(refused)).toEqual(['SUBGRAPH_UNAVAILABLE']);
      const upload = await first.call(`query($id: ID!) { upload(id: $id) { file { id } } organization: uploadSettings(organizationId: "${orgA}") { maxBytes } }`, { id: uploadId }, member);
      expect(upload.data!.upload.file).toBeNull();
      await first.server.close();
      // The next start makes the queue again; the same upload completes, with its job.
      const second = await start(database, storageDir);
      try {
        const done = await second.call(COMPLETE, { input: { uploadId } }, member);
        expect(done.errors).toBeUndefined();
        const p = await processingWhen(second, done.data!.completeUpload.id, finished);
        expect(p).toMatchObject({ state: 'DONE', detectedContentType: 'text/plain' });
      } finally {
        await second.server.close();
      }
    } finally {
      await drop();
      await rm(storageDir, { recursive: true, force: true });
    }
  });
});

