import { createHash, randomUUID } from 'node:crypto';
import {
  appError,
  forbidden,
  id,
  idempotencyKey,
  notFound,
  once,
  parseInput,
  requireRole,
  requireViewer,
  roleAtLeast,
  transactionWithEvents,
  z,
  type Caller,
  type Database,
  roleIn,
} from '@organoise/core';
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { fileVersions, files, idempotencyKeys, uploadSettings, uploads } from '../../db/schema.js';
import { MAX_PARTS, MIN_PART_BYTES, MultipartError, type SignedRequest } from '../../storage/index.js';
import { emitFileChange } from '../files/events.js';
import { enqueueProcessing } from '../processing/processing.js';
import type { JobQueue } from '../processing/queue.js';
import { contentType, fileForChange, fileName, type FileRow, type FileServices } from '../files/files.js';
import { requireRunOf } from '../runs/workflow-runs.js';
import { unixSeconds, type UrlSigner } from './signing.js';

export type UploadRow = typeof uploads.$inferSelect;

/** What direct uploads need besides the file services (docs/protocols/uploads.md). */
export interface UploadConfig {
  signer: UrlSigner;
  /** An organization's limits until an admin sets its own. */
  defaultMaxBytes: number;
  defaultContentTypes: string[] | null;
  /** How long an upload may stay open before the cleanup removes it. */
  uploadTtlMs: number;
  /** How long a signed upload URL lasts (at most the upload's own expiry). */
  uploadUrlTtlSeconds: number;
  downloadUrlTtlSeconds: number;
}

export type UploadServices = FileServices & { uploads: UploadConfig; processing: JobQueue };

/** An upload's services and the caller (docs/decisions/0012-domain-functions.md). */
export type UploadDeps = UploadServices & Pick<Caller, 'viewer'>;

/** GraphQL's Int (and the files table) stop here. */
export const MAX_UPLOAD_BYTES_CEILING = 2 ** 31 - 1;
/** Above this a client that does not say otherwise uploads in parts. */
export const MULTIPART_THRESHOLD_BYTES = 64 * 1024 * 1024;
const MIB = 1024 * 1024;

export const DEFAULT_UPLOAD_CONFIG = {
  defaultMaxBytes: 1024 * MIB,
  defaultContentTypes: null,
  uploadTtlMs: 24 * 60 * 60 * 1000,
  uploadUrlTtlSeconds: 60 * 60,
  downloadUrlTtlSeconds: 5 * 60,
} satisfies Omit<UploadConfig, 'signer'>;

// --- validation -----------------------------------------------------------------------------

const sha256Hex = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{64}$/, { message: 'must be a hex sha256 (64 characters)' });
const size = z.number().int().min(0).max(MAX_UPLOAD_BYTES_CEILING);
/** A media type, or a whole family (`image/*`). */
const contentTypePattern = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => contentType.safeParse(v).success || contentType.safeParse(v.replace(/\/\*$/, '/x')).success, { message: 'must be a media type or type/*' });

export const CreateUploadInput = z.object({
  organizationId: id(),
  name: fileName,
  size,
  contentType,
  sha256: sha256Hex,
  workflowRunId: id().nullish(),
  multipart: z.boolean().nullish(),
  idempotencyKey: idempotencyKey(),
});
/** A new version of an existing file: its name and organization are the file's; its media type too unless given. */
export const CreateVersionUploadInput = z.object({
  fileId: id(),
  size,
  contentType: contentType.nullish(),
  sha256: sha256Hex,
  multipart: z.boolean().nullish(),
  idempotencyKey: idempotencyKey(),
});
export const CompleteUploadInput = z.object({
  uploadId: id(),
  parts: z
    .array(z.object({ partNumber: z.number().int().min(1).max(MAX_PARTS), etag: z.string().min(1).max(200) }))
    .max(MAX_PARTS)
    .nullish(),
  idempotencyKey: idempotencyKey(),
});
export const UploadSettingsInput = z.object({
  organizationId: id(),
  maxBytes: size.min(1),
  allowedContentTypes: z.array(contentTypePattern).max(100).nullish(),
});
const partNumbers = z.array(z.number().int().min(1).max(MAX_PARTS)).max(1000);

// --- settings -------------------------------------------------------------------------------

export interface UploadLimits {
  organizationId: string;
  maxBytes: number;
  allowedContentTypes: string[] | null;
}

async function limitsOf(db: Database, config: UploadConfig, organizationId: string): Promise<UploadLimits> {
  const [row] = await db.select().from(uploadSettings).where(eq(uploadSettings.organizationId, organizationId));
  return row
    ? { organizationId, maxBytes: row.maxBytes, allowedContentTypes: row.allowedContentTypes }
    : { organizationId, maxBytes: config.defaultMaxBytes, allowedContentTypes: config.defaultContentTypes };
}

/** Any member may read the limits they upload under. */
export async function readUploadSettings(services: UploadDeps, organizationId: string): Promise<UploadLimits> {
  const { viewer } = services;
  const orgId = parseInput(id(), organizationId);
  requireRole(viewer, orgId, 'VIEWER');
  return limitsOf(services.db, services.uploads, orgId);
}

/** Admins and owners set their organization's limits (at most the service's ceiling). */
export async function setUploadSettings(services: UploadDeps, raw: unknown): Promise<UploadLimits> {
  const { viewer } = services;
  const input = parseInput(UploadSettingsInput, raw);
  requireRole(viewer, input.organizationId, 'ADMIN');
  const values = { maxBytes: input.maxBytes, allowedContentTypes: input.allowedContentTypes ?? null, updatedAt: new Date() };
  await services.db
    .insert(uploadSettings)
    .values({ organizationId: input.organizationId, ...values })
    .onConflictDoUpdate({ target: uploadSettings.organizationId, set: values });
  return { organizationId: input.organizationId, maxBytes: values.maxBytes, allowedContentTypes: values.allowedContentTypes };
}

const allows = (patterns: string[] | null, type: string) =>
  !patterns || patterns.some((p) => (p.endsWith('/*') ? type.startsWith(p.slice(0, -1)) : p === type));

// --- the upload's shape ---------------------------------------------------------------------

export const partCountOf = (upload: Pick<UploadRow, 'size' | 'partSize'>) => (upload.partSize ? Math.max(1, Math.ceil(upload.size / upload.partSize)) : 1);

/** The bytes a part must have: `partSize`, the last one the remainder. Null for a part number past the end. */
export function expectedPartBytes(upload: Pick<UploadRow, 'size' | 'partSize'>, partNumber: number): number | null {
  const count = partCountOf(upload);
  if (!upload.partSize) return partNumber === 0 ? upload.size : null;
  if (partNumber < 1 || partNumber > count) return null;
  return partNumber < count ? upload.partSize : upload.size - upload.partSize * (count - 1);
}

/** Whole MiBs, at least S3's minimum and few enough parts for S3's maximum count. */
const partSizeFor = (bytes: number) => Math.max(8 * MIB, Math.ceil(bytes / MAX_PARTS / MIB) * MIB, MIN_PART_BYTES);

const isOpen = (upload: UploadRow, now = new Date()) => !upload.completedAt && upload.expiresAt.getTime() > now.getTime();

// --- reads ----------------------------------------------------------------------------------

/**
 * An upload the viewer may use: its uploader, or an admin of its organization. Another tenant's
 * upload is NOT_FOUND, as is an unknown id; another member's is FORBIDDEN.
 */
export async function uploadForViewer({ db, viewer }: Pick<UploadDeps, 'db' | 'viewer'>, uploadId: string, lock = false): Promise<UploadRow> {
  const v = requireViewer(viewer);
  const idValue = parseInput(id(), uploadId);
  const query = db.select().from(uploads).where(eq(uploads.id, idValue));
  const [upload] = lock ? await query.for('update') : await query;
  const role = upload ? roleIn(v, upload.organizationId) : null;
  if (!upload || !role) throw notFound('Upload');
  if (upload.createdBy !== v.userId && !roleAtLeast(role, 'ADMIN')) throw forbidden('Only the uploader or an admin may use this upload');
  return upload;
}

const signedUntil = (services: UploadServices, upload: UploadRow) =>
  new Date(Math.min(Date.now() + services.uploads.uploadUrlTtlSeconds * 1000, upload.expiresAt.getTime()));

/** The platform's own URL for a PUT to this upload (part 0: the whole blob). */
function platformPutUrl(services: UploadServices, upload: UploadRow, part: number): SignedRequest {
  const expiresAt = signedUntil(services, upload);
  const signature = services.uploads.signer.sign(['PUT', upload.id, String(part)], expiresAt);
  const url = `/files/upload/${upload.id}?part=${part}&expires=${unixSeconds(expiresAt)}&signature=${signature}`;
  return { url, method: 'PUT', headers: part === 0 ? { 'content-type': upload.contentType } : {}, expiresAt };
}

/** Where the client PUTs the whole file; null for a multipart upload (ask for part targets). */
export async function uploadTarget(services: UploadServices, upload: UploadRow): Promise<SignedRequest | null> {
  if (upload.multipartId || !isOpen(upload)) return null;
  const seconds = Math.max(1, Math.floor((signedUntil(services, upload).getTime() - Date.now()) / 1000));
  const direct = await services.storage.presignPut(upload.storageKey, { expiresInSeconds: seconds, contentType: upload.contentType, contentLength: upload.size });
  return direct ?? platformPutUrl(services, upload, 0);
}

export async function partTargets(services: UploadServices, upload: UploadRow, raw: unknown): Promise<Array<{ partNumber: number; request: SignedRequest }>> {
  const numbers = parseInput(partNumbers, raw);
  if (!upload.multipartId || !isOpen(upload)) return [];
  const seconds = Math.max(1, Math.floor((signedUntil(services, upload).getTime() - Date.now()) / 1000));
  const targets = [];
  for (const partNumber of new Set(numbers)) {
    const length = expectedPartBytes(upload, partNumber);
    if (length === null) throw appError('BAD_USER_INPUT', `Part numbers of this upload are 1 to ${partCountOf(upload)}`, { issues: [{ path: 'partNumbers', message: 'out of range' }] });
    const direct = await services.storage.presignPart(upload.storageKey, upload.multipartId, partNumber, { expiresInSeconds: seconds, contentLength: length });
    targets.push({ partNumber, request: direct ?? platformPutUrl(services, upload, partNumber) });
  }
  return targets;
}

/** The parts that arrived, for a client resuming after a dropped connection. */
export async function receivedParts(services: UploadServices, upload: UploadRow) {
  if (!upload.multipartId || !isOpen(upload)) return [];
  try {
    return await services.storage.listParts(upload.storageKey, upload.multipartId);
  } catch (error) {
    if (error instanceof MultipartError) return [];
    throw error;
  }
}

// --- writes ---------------------------------------------------------------------------------

/** PAYLOAD_TOO_LARGE or CONTENT_TYPE_NOT_ALLOWED outside the organization's limits. */
async function checkLimits(services: UploadDeps, organizationId: string, bytes: number, type: string): Promise<void> {
  const limits = await limitsOf(services.db, services.uploads, organizationId);
  if (bytes > limits.maxBytes) throw appError('PAYLOAD_TOO_LARGE', `The file is over this organization's ${limits.maxBytes} byte limit`, { maxBytes: limits.maxBytes });
  if (!allows(limits.allowedContentTypes, type)) {
    throw appError('CONTENT_TYPE_NOT_ALLOWED', `This organization does not accept ${type} files`, { allowedContentTypes: limits.allowedContentTypes });
  }
}

type UploadValues = Pick<UploadRow, 'organizationId' | 'name' | 'contentType' | 'size' | 'sha256' | 'workflowRunId' | 'fileId' | 'newVersion'>;

/**
 * Writes the upload's row (once per idempotency key: a retry answers with the first upload), after
 * starting the storage's multipart upload when it has parts.
 */
async function openUpload(
  services: UploadDeps,
  request: { key: string | null | undefined; operation: string; input: unknown; multipart: boolean | null | undefined },
  values: UploadValues,
): Promise<UploadRow> {
  const v = requireViewer(services.viewer);
  const multipart = values.size > 0 && (request.multipart ?? values.size > MULTIPART_THRESHOLD_BYTES);
  const uploadId = randomUUID();
  const storageKey = `${values.organizationId}/${values.fileId}/${uploadId}`;
  // Started before the row is written: a row never names a multipart upload that does not exist
  // (one started for a refused or replayed request is aborted below or by nobody: it holds no bytes).
  const multipartId = multipart ? await services.storage.createMultipart(storageKey, { contentType: values.contentType }) : null;
  const now = new Date();
  const outcome = await transactionWithEvents(services.db, services.bus, async (tx) => {
    const result = await once(tx, idempotencyKeys, { viewer: v, key: request.key, operation: request.operation, input: request.input }, async () => {
      const [row] = await tx
        .insert(uploads)
        .values({
          id: uploadId,
          ...values,
          createdBy: v.userId,
          storageKey,
          multipartId,
          partSize: multipart ? partSizeFor(values.size) : null,
          createdAt: now,
          expiresAt: new Date(now.getTime() + services.uploads.uploadTtlMs),
        })
        .returning();
      return row!;
    });
    if ('created' in result) return result;
    const [row] = await tx.select().from(uploads).where(eq(uploads.id, result.replayedId));
    if (!row) throw notFound('Upload');
    return { replayed: row };
  });
  if ('created' in outcome) return outcome.created;
  if (multipartId) await services.storage.abortMultipart(storageKey, multipartId).catch(() => {});
  return outcome.replayed;
}

export async function createUpload(services: UploadDeps, raw: unknown): Promise<UploadRow> {
  const { viewer } = services;
  const { idempotencyKey: key, ...input } = parseInput(CreateUploadInput, raw);
  requireRole(viewer, input.organizationId, 'MEMBER');
  const v = requireViewer(viewer);
  await checkLimits(services, input.organizationId, input.size, input.contentType);
  if (input.workflowRunId) await requireRunOf({ runs: services.runs, viewer: v, clientIp: services.clientIp }, input.organizationId, input.workflowRunId);
  return openUpload(
    services,
    { key, operation: 'createUpload', input, multipart: input.multipart },
    {
      organizationId: input.organizationId,
      name: input.name,
      contentType: input.contentType,
      size: input.size,
      sha256: input.sha256,
      workflowRunId: input.workflowRunId ?? null,
      fileId: randomUUID(),
      newVersion: false,
    },
  );
}

/**
 * A direct upload of a file's next version: who may add one is who may call uploadFileVersion (a
 * member of the file's organization; another tenant's file, or an unknown id, is NOT_FOUND), and
 * the organization's limits apply as to a new file. completeUpload then appends the version.
 */
export async function createVersionUpload(services: UploadDeps, raw: unknown): Promise<UploadRow> {
  const { idempotencyKey: key, ...input } = parseInput(CreateVersionUploadInput, raw);
  const { file } = await fileForChange(services.db, services.viewer, input.fileId, 'MEMBER');
  const type = input.contentType ?? file.contentType;
  await checkLimits(services, file.organizationId, input.size, type);
  return openUpload(
    services,
    { key, operation: 'createVersionUpload', input, multipart: input.multipart },
    {
      organizationId: file.organizationId,
      name: file.name,
      contentType: type,
      size: input.size,
      sha256: input.sha256,
      workflowRunId: null,
      fileId: file.id,
      newVersion: true,
    },
  );
}

async function sha256OfStored(services: UploadServices, key: string): Promise<string | null> {
  const stream = await services.storage.getStream(key);
  if (!stream) return null;
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Removes an upload's row and whatever bytes it has (after a failed check, an abort or its expiry). */
async function dropUpload(services: UploadServices, upload: UploadRow): Promise<void> {
  if (upload.multipartId) await services.storage.abortMultipart(upload.storageKey, upload.multipartId).catch(() => {});
  await services.storage.delete(upload.storageKey);
  await services.db.delete(uploads).where(and(eq(uploads.id, upload.id), isNull(uploads.completedAt)));
}

async function fileOf(db: Database, upload: UploadRow): Promise<FileRow> {
  const [file] = await db.select().from(files).where(and(eq(files.id, upload.fileId), eq(files.organizationId, upload.organizationId), isNull(files.deletedAt)));
  if (!file) throw notFound('File');
  return file;
}

/**
 * Turns the bytes the client sent into a file (or, for createVersionUpload's upload, the file's
 * next version): joins the parts, checks the size, hashes the stored bytes as a stream, then writes
 * the file or version with its event and processing job in one transaction.
 */
export async function completeUpload(services: UploadDeps, raw: unknown): Promise<FileRow> {
  const { viewer } = services;
  const { idempotencyKey: key, ...input } = parseInput(CompleteUploadInput, raw);
  const upload = await uploadForViewer(services, input.uploadId);
  if (upload.completedAt) return fileOf(services.db, upload);
  if (!isOpen(upload)) throw appError('UPLOAD_EXPIRED', 'This upload expired; ask for a new one');
  if (upload.multipartId) {
    const parts = input.parts ?? (services.storage.urls === 'platform' ? await receivedParts(services, upload) : null);
    if (!parts) throw appError('BAD_USER_INPUT', 'A multipart upload to this store is completed with its parts and their ETags', { issues: [{ path: 'parts', message: 'required' }] });
    const count = partCountOf(upload);
    const listed = new Set(parts.map((p) => p.partNumber));
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !listed.has(n));
    if (missing.length > 0 || parts.length !== count) throw appError('UPLOAD_INCOMPLETE', `Parts are missing: ${missing.slice(0, 20).join(', ')}`, { missingParts: missing.slice(0, 1000) });
    try {
      await services.storage.completeMultipart(upload.storageKey, upload.multipartId, [...parts].sort((a, b) => a.partNumber - b.partNumber));
    } catch (error) {
      if (!(error instanceof MultipartError)) throw error;
      // A completion racing this one may have joined the parts first.
      const [now] = await services.db.select().from(uploads).where(eq(uploads.id, upload.id));
      if (now?.completedAt) return fileOf(services.db, now);
      throw appError('UPLOAD_INCOMPLETE', 'The parts listed are not the parts that arrived', { reason: error.reason });
    }
    // The parts are joined: from here the upload is one blob, like a single PUT.
    await services.db.update(uploads).set({ multipartId: null }).where(eq(uploads.id, upload.id));
    upload.multipartId = null;
  }
  const stored = await services.storage.head(upload.storageKey);
  if (!stored || stored.size !== upload.size) {
    if (stored) await dropUpload(services, upload);
    throw appError('UPLOAD_INCOMPLETE', `${stored?.size ?? 0} of ${upload.size} bytes arrived`, { receivedBytes: stored?.size ?? 0, ...(stored ? { uploadRemoved: true } : {}) });
  }
  const sha256 = await sha256OfStored(services, upload.storageKey);
  if (sha256 !== upload.sha256) {
    await dropUpload(services, upload);
    throw appError('CHECKSUM_MISMATCH', 'The bytes stored are not the ones announced (sha256); the upload was removed', { uploadRemoved: true });
  }
  const v = requireViewer(viewer);
  return transactionWithEvents(services.db, services.bus, async (tx, emit) => {
    const locked = await uploadForViewer({ db: tx, viewer }, upload.id, true);
    if (locked.completedAt) return fileOf(tx, locked);
    const result = await once(tx, idempotencyKeys, { viewer: v, key, operation: 'completeUpload', input: { uploadId: upload.id } }, async () => {
      const now = new Date();
      const meta = { contentType: upload.contentType, size: upload.size, sha256, storageKey: upload.storageKey };
      let file: FileRow;
      if (locked.newVersion) {
        // As uploadFileVersion: the file locked (another version may be added meanwhile, or the
        // file deleted), the next number, the older versions kept.
        const [current] = await tx
          .select()
          .from(files)
          .where(and(eq(files.id, upload.fileId), eq(files.organizationId, upload.organizationId), isNull(files.deletedAt)))
          .for('update');
        if (!current) throw notFound('File');
        const version = current.currentVersion + 1;
        await tx.insert(fileVersions).values({ fileId: current.id, version, ...meta, createdBy: upload.createdBy, createdAt: now });
        [file] = (await tx
          .update(files)
          .set({ ...meta, currentVersion: version, updatedAt: now })
          .where(eq(files.id, current.id))
          .returning()) as [FileRow];
        await emitFileChange(emit, 'file.version.added', file, v.userId);
      } else {
        [file] = (await tx
          .insert(files)
          .values({
            id: upload.fileId,
            organizationId: upload.organizationId,
            name: upload.name,
            ...meta,
            currentVersion: 1,
            ownerId: upload.createdBy,
            workflowRunId: upload.workflowRunId,
            createdAt: now,
            updatedAt: now,
          })
          .returning()) as [FileRow];
        await tx.insert(fileVersions).values({ fileId: upload.fileId, version: 1, ...meta, createdBy: upload.createdBy, createdAt: now });
        await emitFileChange(emit, 'file.uploaded', file, v.userId);
      }
      await tx.update(uploads).set({ completedAt: now }).where(eq(uploads.id, upload.id));
      // Its processing job commits with it: a completed upload is never left without one.
      await enqueueProcessing(tx, services.processing, file, now);
      return file;
    });
    return 'created' in result ? result.created : fileOf(tx, { ...locked, fileId: result.replayedId });
  });
}

export async function abortUpload(services: UploadDeps, uploadId: string): Promise<{ abortedUploadId: string }> {
  const upload = await uploadForViewer(services, uploadId);
  if (upload.completedAt) throw appError('UPLOAD_EXPIRED', 'This upload was already completed');
  await dropUpload(services, upload);
  return { abortedUploadId: upload.id };
}

/** A short-lived GET URL for one stored version (the caller was already checked against the file). */
export async function downloadUrl(services: Pick<UploadServices, 'storage' | 'uploads'>, file: Pick<FileRow, 'storageKey' | 'name' | 'contentType'>): Promise<string> {
  const seconds = services.uploads.downloadUrlTtlSeconds;
  const direct = await services.storage.presignGet(file.storageKey, { expiresInSeconds: seconds, fileName: file.name, contentType: file.contentType });
  if (direct) return direct.url;
  const expiresAt = new Date(Date.now() + seconds * 1000);
  const signature = services.uploads.signer.sign(['GET', file.storageKey, file.name, file.contentType], expiresAt);
  const query = new URLSearchParams({ name: file.name, type: file.contentType, expires: unixSeconds(expiresAt), signature });
  return `/files/download/${file.storageKey}?${query.toString()}`;
}

/**
 * Removes uploads past their expiry: an open one with its bytes (a multipart upload's parts
 * too), a completed one only as a row (its bytes are the file's). Answers how many went.
 */
export async function cleanUpExpiredUploads(services: UploadServices, now = new Date(), batch = 100): Promise<number> {
  let removed = 0;
  for (;;) {
    const expired = await services.db.select().from(uploads).where(lt(uploads.expiresAt, now)).limit(batch);
    for (const upload of expired) {
      if (!upload.completedAt) {
        if (upload.multipartId) await services.storage.abortMultipart(upload.storageKey, upload.multipartId).catch(() => {});
        await services.storage.delete(upload.storageKey);
      }
      await services.db.delete(uploads).where(and(eq(uploads.id, upload.id), or(isNull(uploads.completedAt), lt(uploads.expiresAt, now))));
      removed++;
    }
    if (expired.length < batch) return removed;
  }
}
