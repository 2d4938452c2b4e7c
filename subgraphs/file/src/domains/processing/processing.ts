import type { Readable } from 'node:stream';
import { appError, id, notFound, parseInput, requireRole, requireViewer, transactionWithEvents, viewerOrganizationIds, type Database, type EventBus, type Logger, type Viewer } from '@organoise/core';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { fileProcessing, files } from '../../db/schema.js';
import type { BlobStorage } from '../../storage/index.js';
import { emitFileChange } from '../files/events.js';
import type { FileRow } from '../files/files.js';
import { canThumbnail, extractTextOf, sniffContentType, textKindOf, thumbnailOf } from './extract.js';
import type { JobQueue, ProcessingJob } from './queue.js';

export type FileProcessingRow = typeof fileProcessing.$inferSelect;

/** What the worker needs: the subgraph's database, event bus, storage and the queue. */
export interface ProcessingServices {
  db: Database;
  bus: EventBus;
  storage: BlobStorage;
  log: Logger;
  queue: JobQueue;
}

/** The actor of the events processing appends: the platform itself, no person. */
export const PLATFORM_ACTOR_ID = '00000000-0000-0000-0000-000000000000';
/** Bytes file-type needs to see (its own sample size). */
const SNIFF_BYTES = 4100;
const MAX_ERROR_CHARS = 500;

/** Where a version's thumbnail lives: next to its bytes, under the same file's prefix. */
export const thumbnailKeyOf = (storageKey: string) => `${storageKey}_thumb`;

/**
 * Queues the processing of the file's current version, inside `tx` (the transaction that
 * creates the version): the file's processing row and its pg-boss job commit together or not at
 * all. Processing a version again replaces the row (a new job; the old one finds it gone).
 */
export async function enqueueProcessing(tx: Database, queue: JobQueue, file: FileRow, now = new Date()): Promise<void> {
  const jobId = await queue.enqueue(tx, { fileId: file.id, version: file.currentVersion });
  const row = {
    organizationId: file.organizationId,
    version: file.currentVersion,
    jobId,
    state: 'QUEUED',
    attempts: 0,
    maxAttempts: queue.config.maxAttempts,
    lastError: null,
    detectedContentType: null,
    text: null,
    textLength: null,
    thumbnailKey: null,
    queuedAt: now,
    updatedAt: now,
    finishedAt: null,
  };
  await tx
    .insert(fileProcessing)
    .values({ fileId: file.id, ...row })
    .onConflictDoUpdate({ target: fileProcessing.fileId, set: row });
}

/** Processing rows of these files (the caller has checked the files are the viewer's). */
export const processingOf = (db: Database, fileIds: readonly string[]) => db.select().from(fileProcessing).where(inArray(fileProcessing.fileId, [...fileIds]));

async function readAll(stream: Readable, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    chunks.push(buffer);
    total += buffer.length;
    if (total >= limit) {
      stream.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

interface Findings {
  detectedContentType: string;
  text: string | null;
  textLength: number | null;
  thumbnailKey: string | null;
}

/** Reads the version's bytes and finds what they are, their text, and (for an image) stores a thumbnail. */
async function analyse(services: ProcessingServices, file: FileRow): Promise<Findings> {
  const { config } = services.queue;
  const whole = file.size <= config.maxBytes;
  const stream = await services.storage.getStream(file.storageKey, whole || file.size === 0 ? undefined : { start: 0, end: SNIFF_BYTES - 1 });
  // Missing bytes may be a store not yet consistent (or a restore in progress): failed, so retried.
  if (!stream) throw new Error(`the bytes of version ${file.currentVersion} are not in storage`);
  const bytes = await readAll(stream, whole ? config.maxBytes : SNIFF_BYTES);
  const detectedContentType = await sniffContentType(bytes.subarray(0, SNIFF_BYTES), file.contentType, file.name);
  if (!whole) return { detectedContentType, text: null, textLength: null, thumbnailKey: null };
  const kind = textKindOf(detectedContentType, file.name);
  const text = kind ? await extractTextOf(bytes, kind) : null;
  let thumbnailKey: string | null = null;
  if (canThumbnail(detectedContentType)) {
    thumbnailKey = thumbnailKeyOf(file.storageKey);
    await services.storage.put(thumbnailKey, await thumbnailOf(bytes));
  }
  return { detectedContentType, text: text === null ? null : text.slice(0, config.textMaxChars), textLength: text?.length ?? null, thumbnailKey };
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_CHARS);

/**
 * One try of one job. The row says RUNNING with its try number, then DONE with the findings and a
 * file.processed event, in one transaction. A failed try records its error (RETRYING, or FAILED
 * with a file.processing.failed event on the last try) and throws, so pg-boss retries it after a
 * backoff or moves it to the dead-letter queue. A job whose file is gone, or whose version is no
 * longer the one queued, ends without doing anything.
 */
export async function processFileJob(services: ProcessingServices, job: ProcessingJob): Promise<void> {
  const { fileId, version } = job.data;
  const attempt = job.retryCount + 1;
  const current = and(eq(fileProcessing.fileId, fileId), eq(fileProcessing.version, version), eq(fileProcessing.jobId, job.id));
  const [claimed] = await services.db.update(fileProcessing).set({ state: 'RUNNING', attempts: attempt, updatedAt: new Date() }).where(current).returning();
  if (!claimed) return;
  // A deleted file is not processed (its bytes may be purged under the try); restoreFile queues it again.
  const [file] = await services.db.select().from(files).where(and(eq(files.id, fileId), isNull(files.deletedAt)));
  if (!file || file.currentVersion !== version) return;
  try {
    await services.queue.config.beforeTry?.(job);
    const found = await analyse(services, file);
    if (job.signal.aborted) throw new Error('the try was stopped (shutdown or timeout)');
    await transactionWithEvents(services.db, services.bus, async (tx, emit) => {
      const now = new Date();
      const [done] = await tx.update(fileProcessing).set({ ...found, state: 'DONE', lastError: null, updatedAt: now, finishedAt: now }).where(current).returning();
      const [still] = await tx.select().from(files).where(eq(files.id, fileId));
      if (done && still) await emitFileChange(emit, 'file.processed', still, PLATFORM_ACTOR_ID);
    });
  } catch (error) {
    const last = attempt >= job.retryLimit + 1;
    const lastError = describe(error);
    services.log.warn(last ? 'file processing failed for good; job dead-lettered' : 'file processing failed; will retry', { fileId, version, attempt, error: lastError });
    await transactionWithEvents(services.db, services.bus, async (tx, emit) => {
      const now = new Date();
      const [failed] = await tx
        .update(fileProcessing)
        .set({ state: last ? 'FAILED' : 'RETRYING', lastError, updatedAt: now, finishedAt: last ? now : null })
        .where(current)
        .returning();
      const [still] = await tx.select().from(files).where(eq(files.id, fileId));
      if (failed && still && last) await emitFileChange(emit, 'file.processing.failed', still, PLATFORM_ACTOR_ID);
    }).catch((recordError: unknown) => services.log.warn('could not record a failed processing try', { fileId, error: recordError }));
    throw error;
  }
}

/** A processing row still waiting for, or in, a try. */
const IN_PROGRESS = new Set(['QUEUED', 'RUNNING', 'RETRYING']);

/**
 * In restoreFile's transaction: a file whose processing had not finished when it was deleted (the
 * worker skips deleted files, so its job may have ended without a word) is queued again.
 */
export async function requeueAfterRestore(tx: Database, queue: JobQueue, file: FileRow): Promise<void> {
  const [row] = await tx.select().from(fileProcessing).where(eq(fileProcessing.fileId, file.id));
  if (row && IN_PROGRESS.has(row.state)) await enqueueProcessing(tx, queue, file);
}

/**
 * Processes the file's current version again, as a new job: after a dead-lettered failure (once
 * its cause is fixed), after a change of extractors, or for a file never processed (uploaded
 * through the base64 path). Admins and owners of the file's organization; another tenant's file
 * is NOT_FOUND; CONFLICT while the current version's processing is queued or running.
 */
export async function reprocessFile(
  { db, bus, processing, viewer }: { db: Database; bus: EventBus; processing: JobQueue; viewer: Viewer | null },
  rawFileId: unknown,
): Promise<FileRow> {
  const fileId = parseInput(id(), rawFileId);
  const v = requireViewer(viewer);
  const orgIds = viewerOrganizationIds(v);
  if (orgIds.length === 0) throw notFound('File');
  return transactionWithEvents(db, bus, async (tx) => {
    const [file] = await tx.select().from(files).where(and(eq(files.id, fileId), inArray(files.organizationId, orgIds), isNull(files.deletedAt))).for('update');
    if (!file) throw notFound('File');
    requireRole(v, file.organizationId, 'ADMIN');
    const [row] = await tx.select().from(fileProcessing).where(eq(fileProcessing.fileId, file.id));
    if (row && row.version === file.currentVersion && IN_PROGRESS.has(row.state)) {
      throw appError('CONFLICT', 'This file is already being processed', { state: row.state });
    }
    await enqueueProcessing(tx, processing, file);
    return file;
  });
}
