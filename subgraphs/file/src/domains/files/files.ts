import { createHash, randomUUID } from 'node:crypto';
import {
  appError,
  forbidden,
  id,
  idempotencyKey,
  isUuid,
  notFound,
  once,
  orderBy as orderByKeys,
  paginate,
  parseInput,
  requireRole,
  requireViewer,
  roleAtLeast,
  transactionWithEvents,
  viewerOrganizationIds,
  z,
  type Caller,
  type Database,
  type EventBus,
  type Logger,
  type PageArgs,
  type Role,
  type SortKey,
  type Viewer,
  roleIn,
} from '@organoise/core';
import { and, asc, count, desc, eq, gte, ilike, inArray, isNotNull, isNull, like } from 'drizzle-orm';
import { fileVersions, files, idempotencyKeys } from '../../db/schema.js';
import type { BlobStorage } from '../../storage/index.js';
import { requireRunOf, type WorkflowRuns } from '../runs/workflow-runs.js';
import { emitFileChange } from './events.js';

export type FileRow = typeof files.$inferSelect;
export type FileVersionRow = typeof fileVersions.$inferSelect;

export interface FileServices {
  db: Database;
  storage: BlobStorage;
  maxUploadBytes: number;
  log: Logger;
  /** Every change appends its events here in its own transaction. */
  bus: EventBus;
  /** Confirms a workflowRunId before it is stored (the workflow subgraph owns runs). */
  runs: WorkflowRuns;
  /** The end client's address, forwarded with the run check. */
  clientIp: string | null;
  /** Days a deleted file can be restored before its bytes are purged (FILE_RETENTION_DAYS). */
  fileRetentionDays: number;
}

/** A file write's services and the caller: what the request context holds (docs/decisions/0012-domain-functions.md). */
export type FileWriteDeps = FileServices & Pick<Caller, 'viewer'>;

export const DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** Days a deleted file is kept (restorable) before its bytes go: FILE_RETENTION_DAYS's default. */
export const DEFAULT_FILE_RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The moment before which a deletion is past the retention period. */
export const retentionCutoff = (retentionDays: number, now = new Date()) => new Date(now.getTime() - retentionDays * DAY_MS);
/** The moment a deletion passes the retention period (the hourly purge removes the file at its next run after it). */
export const purgeAfter = (deletedAt: Date, retentionDays: number) => new Date(deletedAt.getTime() + retentionDays * DAY_MS);

/** Longest base64 text that can decode to `bytes` bytes. */
export const base64LengthFor = (bytes: number) => Math.ceil(bytes / 3) * 4;

// --- validation -----------------------------------------------------------------------------

// C0 and C1 control characters, DEL, and both slashes: a name is a label, never a path.
const FORBIDDEN_NAME_CHARS = /[\u0000-\u001f\u007f-\u009f/\\]/;
export const fileName = z
  .string()
  .trim()
  .min(1, { message: 'must not be blank' })
  .max(255, { message: 'must be at most 255 characters' })
  .refine((v) => !FORBIDDEN_NAME_CHARS.test(v), { message: 'must not contain slashes or control characters' })
  .refine((v) => v !== '.' && v !== '..', { message: 'must not be . or ..' });

// RFC 6838 restricted names, `type/subtype` only (no parameters), stored lower-cased.
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
export const contentType = z
  .string()
  .trim()
  .toLowerCase()
  .regex(CONTENT_TYPE, { message: 'must be a media type like text/plain' });

// Canonical, padded base64 only: no whitespace, no URL alphabet, no stray padding.
// A plain character class, not repeated groups: V8 ran out of stack matching a grouped pattern on
// inputs over about 3.3 MB (INTERNAL_SERVER_ERROR far below the upload limit). The round trip in
// `base64` below refuses what this lets through (misplaced padding, a wrong length).
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// Non-zero bits in the last character's unused part decode the same as zeros; refusing them
// (the re-encoding check) keeps exactly one text per content.
const base64 = z
  .string()
  .refine((v) => v.length % 4 === 0 && BASE64.test(v) && Buffer.from(v, 'base64').toString('base64') === v, { message: 'must be standard padded base64' });

export const UploadFileInput = z.object({
  organizationId: id(),
  name: fileName,
  contentType,
  contentBase64: base64,
  workflowRunId: id().nullish(),
  idempotencyKey: idempotencyKey(),
});
export const UploadFileVersionInput = z.object({ fileId: id(), contentBase64: base64, contentType: contentType.nullish(), idempotencyKey: idempotencyKey() });
export const RenameFileInput = z.object({ fileId: id(), name: fileName });
export const AttachFileToRunInput = z.object({ fileId: id(), workflowRunId: id().nullable() });

export const FileFilterInput = z
  .object({
    search: z.string().trim().max(100, { message: 'must be at most 100 characters' }).nullish(),
    // An exact media type, or `type/*` for every subtype.
    contentType: z
      .string()
      .trim()
      .toLowerCase()
      .refine((v) => CONTENT_TYPE.test(v) || CONTENT_TYPE.test(v.replace(/\/\*$/, '/x')), { message: 'must be a media type or type/*' })
      .nullish(),
    workflowRunId: id().nullish(),
  })
  .nullish();

/**
 * Refuses an oversized upload before anything else looks at it: the text's length alone tells,
 * so a huge payload is neither regex-checked nor decoded.
 */
function refuseOversizedText(raw: unknown, maxBytes: number) {
  const text = (raw as { contentBase64?: unknown } | null)?.contentBase64;
  if (typeof text === 'string' && text.length > base64LengthFor(maxBytes)) throw tooLarge(maxBytes);
}

const tooLarge = (maxBytes: number) =>
  appError('PAYLOAD_TOO_LARGE', `The file is over the ${maxBytes} byte limit`, { maxBytes });

function decode(text: string, maxBytes: number): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length > maxBytes) throw tooLarge(maxBytes);
  return bytes;
}

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Keys come only from ids this service made, so a user-chosen name never reaches the storage. */
const storageKeyFor = (organizationId: string, fileId: string) => `${organizationId}/${fileId}/${randomUUID()}`;

// --- reads ----------------------------------------------------------------------------------

/**
 * Files by id in organizations the viewer belongs to (batched by the loader); others are simply
 * absent, and so are deleted ones unless `includeDeleted` (deleteFile's and restoreFile's rules).
 */
export async function visibleFiles({ db, viewer }: Pick<FileWriteDeps, 'db' | 'viewer'>, ids: readonly string[], includeDeleted = false): Promise<FileRow[]> {
  const orgIds = viewerOrganizationIds(viewer);
  const valid = ids.filter(isUuid);
  if (orgIds.length === 0 || valid.length === 0) return [];
  return db
    .select()
    .from(files)
    .where(and(inArray(files.id, valid), inArray(files.organizationId, orgIds), includeDeleted ? undefined : isNull(files.deletedAt)));
}

/** Versions of many files, newest first (batched by the loader; the files were already authorised). */
export async function versionsOf(db: Database, fileIds: readonly string[]): Promise<FileVersionRow[]> {
  if (fileIds.length === 0) return [];
  return db
    .select()
    .from(fileVersions)
    .where(inArray(fileVersions.fileId, [...fileIds]))
    .orderBy(asc(fileVersions.fileId), desc(fileVersions.version));
}

export async function readContent(services: FileServices, storageKey: string): Promise<string> {
  const bytes = await services.storage.get(storageKey);
  if (!bytes) {
    services.log.error('blob missing for file metadata', { storageKey });
    throw appError('INTERNAL_SERVER_ERROR', 'The file content is unavailable');
  }
  return Buffer.from(bytes).toString('base64');
}

export type FileOrder = { field: 'NAME' | 'CREATED_AT' | 'SIZE'; direction: 'ASC' | 'DESC' };
export type FileListArgs = PageArgs & { filter?: unknown; orderBy?: FileOrder | null };

function fileSortKeys(order: FileOrder): SortKey<FileRow>[] {
  const { field, direction } = order;
  const first: SortKey<FileRow> =
    field === 'NAME'
      ? { column: files.name, cast: 'text', direction, value: (r) => r.name }
      : field === 'SIZE'
        ? { column: files.size, cast: 'integer', direction, value: (r) => r.size }
        : { column: files.createdAt, cast: 'timestamptz', direction, value: (r) => r.createdAt };
  return [first, { column: files.id, cast: 'uuid', direction, value: (r) => r.id }];
}

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/** An organization's files, filtered and sorted; any member may list them. */
export function listFiles({ db, viewer }: Pick<FileWriteDeps, 'db' | 'viewer'>, organizationId: string, args: FileListArgs) {
  requireRole(viewer, organizationId, 'VIEWER');
  const filter = parseInput(FileFilterInput, args.filter ?? null);
  const keys = fileSortKeys(args.orderBy ?? { field: 'CREATED_AT', direction: 'DESC' });
  const search = filter?.search || undefined;
  const type = filter?.contentType || undefined;
  const where = and(
    eq(files.organizationId, organizationId),
    isNull(files.deletedAt),
    search ? ilike(files.name, `%${escapeLike(search)}%`) : undefined,
    type ? (type.endsWith('/*') ? like(files.contentType, `${escapeLike(type.slice(0, -1))}%`) : eq(files.contentType, type)) : undefined,
    filter?.workflowRunId ? eq(files.workflowRunId, filter.workflowRunId) : undefined,
  );
  return paginate({
    args,
    keys,
    fetch: (after, limit) => db.select().from(files).where(and(where, after)).orderBy(...orderByKeys(keys)).limit(limit),
    count: async () => (await db.select({ n: count() }).from(files).where(where))[0]?.n ?? 0,
  });
}

const DELETED_FILE_KEYS: SortKey<FileRow>[] = [
  { column: files.deletedAt, cast: 'timestamptz', direction: 'DESC', value: (r) => r.deletedAt },
  { column: files.id, cast: 'uuid', direction: 'DESC', value: (r) => r.id },
];

/**
 * An organization's deleted files still within the retention period (restorable), the latest
 * deletion first. Admins and owners only: a deleted file is out of every member's sight.
 */
export function listDeletedFiles({ db, viewer, fileRetentionDays }: Pick<FileWriteDeps, 'db' | 'viewer' | 'fileRetentionDays'>, organizationId: string, args: PageArgs) {
  requireRole(viewer, organizationId, 'ADMIN');
  const where = and(
    eq(files.organizationId, organizationId),
    isNotNull(files.deletedAt),
    isNull(files.purgeClaimedAt),
    gte(files.deletedAt, retentionCutoff(fileRetentionDays)),
  );
  return paginate({
    args,
    keys: DELETED_FILE_KEYS,
    fetch: (after, limit) => db.select().from(files).where(and(where, after)).orderBy(...orderByKeys(DELETED_FILE_KEYS)).limit(limit),
    count: async () => (await db.select({ n: count() }).from(files).where(where))[0]?.n ?? 0,
  });
}

// --- writes ---------------------------------------------------------------------------------

/**
 * A file the viewer may change: NOT_FOUND unless it exists in one of their organizations (the same
 * answer for both, so ids of other tenants reveal nothing), FORBIDDEN below `minimum`. A deleted
 * file is NOT_FOUND too, unless `includeDeleted` (deleteFile's replay, restoreFile).
 */
export async function fileForChange(db: Database, viewer: Viewer | null, fileId: string, minimum: Role, lock = false, includeDeleted = false) {
  const v = requireViewer(viewer);
  const query = db.select().from(files).where(and(eq(files.id, fileId), includeDeleted ? undefined : isNull(files.deletedAt)));
  const [file] = lock ? await query.for('update') : await query;
  const role = file ? roleIn(v, file.organizationId) : null;
  if (!file || !role) throw notFound('File');
  if (!roleAtLeast(role, minimum)) throw forbidden(`This needs the ${minimum} role or higher`);
  return { file, role, viewer: v };
}

/**
 * Bytes first, then metadata: a crash in between leaves an orphan blob (harmless, only space)
 * rather than metadata pointing at nothing. When the metadata write fails the blob is removed.
 */
async function withBlob<T>(services: FileServices, key: string, bytes: Uint8Array, write: () => Promise<T>): Promise<T> {
  await services.storage.put(key, bytes);
  try {
    return await write();
  } catch (error) {
    await services.storage.delete(key).catch((cleanup: unknown) => services.log.warn('could not remove orphan blob', { storageKey: key, error: cleanup }));
    throw error;
  }
}

export async function uploadFile(services: FileWriteDeps, rawInput: unknown): Promise<FileRow> {
  const { viewer } = services;
  refuseOversizedText(rawInput, services.maxUploadBytes);
  const { idempotencyKey: key, ...input } = parseInput(UploadFileInput, rawInput);
  requireRole(viewer, input.organizationId, 'MEMBER');
  const v = requireViewer(viewer);
  const bytes = decode(input.contentBase64, services.maxUploadBytes);
  // Before anything is written (the bytes included), and outside the transaction: no lock is held
  // across the call. A run never changes organization, so the answer still holds at the insert.
  if (input.workflowRunId) await requireRunOf({ runs: services.runs, viewer: v, clientIp: services.clientIp }, input.organizationId, input.workflowRunId);
  const fileId = randomUUID();
  const now = new Date();
  const storageKey = storageKeyFor(input.organizationId, fileId);
  const meta = { contentType: input.contentType, size: bytes.length, sha256: sha256Of(bytes), storageKey };
  // The key's input is the request with the content as its hash (the same bytes hash the same).
  const { contentBase64: _content, ...described } = input;
  const keyed = { ...described, sha256: meta.sha256 };
  const outcome = await withBlob(services, storageKey, bytes, () =>
    transactionWithEvents(services.db, services.bus, async (tx, emit) => {
      const result = await once(tx, idempotencyKeys, { viewer: v, key, operation: 'uploadFile', input: keyed }, async () => {
        const [file] = await tx
          .insert(files)
          .values({
            id: fileId,
            organizationId: input.organizationId,
            name: input.name,
            ...meta,
            currentVersion: 1,
            ownerId: v.userId,
            workflowRunId: input.workflowRunId ?? null,
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        await tx.insert(fileVersions).values({ fileId, version: 1, ...meta, createdBy: v.userId, createdAt: now });
        await emitFileChange(emit, 'file.uploaded', file!, v.userId);
        return file!;
      });
      if ('created' in result) return result;
      // A retry of an upload already saved: that file, as it is now (same organization: it is part of the keyed input).
      const [file] = await tx.select().from(files).where(and(eq(files.id, result.replayedId), eq(files.organizationId, input.organizationId), isNull(files.deletedAt)));
      if (!file) throw notFound('File');
      return { replayed: file };
    }),
  );
  if ('created' in outcome) return outcome.created;
  // The bytes written for this attempt belong to no file: the first attempt's are kept.
  await services.storage.delete(storageKey).catch((cleanup: unknown) => services.log.warn('could not remove orphan blob', { storageKey, error: cleanup }));
  return outcome.replayed;
}

export async function uploadFileVersion(services: FileWriteDeps, rawInput: unknown): Promise<FileRow> {
  const { viewer } = services;
  refuseOversizedText(rawInput, services.maxUploadBytes);
  const { idempotencyKey: key, ...input } = parseInput(UploadFileVersionInput, rawInput);
  // Checked before the bytes are written, so a refused caller costs no storage.
  const { file: before } = await fileForChange(services.db, viewer, input.fileId, 'MEMBER');
  const bytes = decode(input.contentBase64, services.maxUploadBytes);
  const storageKey = storageKeyFor(before.organizationId, before.id);
  const sha256 = sha256Of(bytes);
  return withBlob(services, storageKey, bytes, () =>
    transactionWithEvents(services.db, services.bus, async (tx, emit) => {
      // Locked and checked again: the file may have been deleted, or another version added, meanwhile.
      const { file, viewer: v } = await fileForChange(tx, viewer, input.fileId, 'MEMBER', true);
      // The key's input is the request with the content as its hash (the same bytes hash the same).
      const keyed = { fileId: input.fileId, contentType: input.contentType ?? null, sha256 };
      const result = await once(tx, idempotencyKeys, { viewer: v, key, operation: 'uploadFileVersion', input: keyed }, async () => {
        const version = file.currentVersion + 1;
        const now = new Date();
        const meta = { contentType: input.contentType ?? file.contentType, size: bytes.length, sha256, storageKey };
        await tx.insert(fileVersions).values({ fileId: file.id, version, ...meta, createdBy: v.userId, createdAt: now });
        const [updated] = await tx
          .update(files)
          .set({ ...meta, currentVersion: version, updatedAt: now })
          .where(eq(files.id, file.id))
          .returning();
        await emitFileChange(emit, 'file.version.added', updated!, v.userId);
        return updated!;
      });
      // A retry of a version already added: no second version; the file as it is now.
      return 'created' in result ? result.created : file;
    }),
  );
}

export async function renameFile({ db, bus, viewer }: Pick<FileWriteDeps, 'db' | 'bus' | 'viewer'>, rawInput: unknown): Promise<FileRow> {
  const input = parseInput(RenameFileInput, rawInput);
  return transactionWithEvents(db, bus, async (tx, emit) => {
    const { viewer: v } = await fileForChange(tx, viewer, input.fileId, 'MEMBER', true);
    const [row] = await tx.update(files).set({ name: input.name, updatedAt: new Date() }).where(eq(files.id, input.fileId)).returning();
    await emitFileChange(emit, 'file.renamed', row!, v.userId);
    return row!;
  });
}

/**
 * Attaches a file to a run of its own organization that the caller may see (NOT_FOUND for any
 * other run id, existing or not), or detaches it (a null run).
 */
export async function attachFileToRun(services: FileWriteDeps, rawInput: unknown): Promise<FileRow> {
  const { viewer } = services;
  const input = parseInput(AttachFileToRunInput, rawInput);
  const runId = input.workflowRunId;
  if (runId) {
    // The file first (NOT_FOUND, FORBIDDEN), so the run is asked about only for a file the caller
    // may change; outside the transaction, so no row lock waits on the workflow subgraph. A file
    // never changes organization and a run neither: the check holds inside the transaction.
    const { file, viewer: v } = await fileForChange(services.db, viewer, input.fileId, 'MEMBER');
    await requireRunOf({ runs: services.runs, viewer: v, clientIp: services.clientIp }, file.organizationId, runId);
  }
  return transactionWithEvents(services.db, services.bus, async (tx, emit) => {
    const { viewer: v } = await fileForChange(tx, viewer, input.fileId, 'MEMBER', true);
    const [row] = await tx
      .update(files)
      .set({ workflowRunId: runId, updatedAt: new Date() })
      .where(eq(files.id, input.fileId))
      .returning();
    // Detaching (a null run) is the same event: the payload's workflowRunId says which.
    await emitFileChange(emit, 'file.attached', row!, v.userId);
    return row!;
  });
}

export const DeleteFileArgs = z.object({ id: id(), idempotencyKey: idempotencyKey() });

/**
 * The owner (while still a member or more) or an admin deletes a file: softly. It leaves every
 * list and read at once (NOT_FOUND, as if gone) and file.deleted is emitted, but its bytes and
 * versions stay FILE_RETENTION_DAYS, during which an admin may restore it (restoreFile); then
 * the purge (retention.ts) removes the bytes, then the rows. With an idempotency key, a retry
 * answers as the first attempt did, once.
 */
export async function deleteFile(services: Pick<FileWriteDeps, 'db' | 'bus' | 'viewer'>, rawArgs: unknown) {
  const { viewer } = services;
  const { id: fileId, idempotencyKey: key } = parseInput(DeleteFileArgs, rawArgs);
  return transactionWithEvents(services.db, services.bus, async (tx, emit) => {
    // Deleted ones too, so that a retry with the key finds its file; without one, NOT_FOUND below.
    const { file, role, viewer: v } = await fileForChange(tx, viewer, fileId, 'MEMBER', true, true);
    const result = await once(tx, idempotencyKeys, { viewer: v, key, operation: 'deleteFile', input: { fileId } }, async () => {
      if (file.deletedAt) throw notFound('File');
      if (file.ownerId !== v.userId && !roleAtLeast(role, 'ADMIN')) throw forbidden('Only the owner or an admin may delete this file');
      const [row] = await tx.update(files).set({ deletedAt: new Date(), deletedBy: v.userId }).where(eq(files.id, file.id)).returning();
      await emitFileChange(emit, 'file.deleted', row!, v.userId);
      return row!;
    });
    // A replay: the same answer (the file was deleted once, whatever happened to it since).
    return { deletedFileId: file.id, organizationId: file.organizationId, replayed: !('created' in result) };
  });
}

export const RestoreFileArgs = DeleteFileArgs;

/**
 * Admins and owners of the file's organization bring a deleted file back, as it was, while it is
 * within the retention period: NOT_FOUND once it is past it (or being purged), CONFLICT for a file
 * that is not deleted. Emits file.restored. With an idempotency key, a retry restores nothing more
 * and answers with the file as it is now.
 */
export async function restoreFile(
  services: Pick<FileWriteDeps, 'db' | 'bus' | 'viewer' | 'fileRetentionDays'> & { afterRestore?: (tx: Database, file: FileRow) => Promise<void> },
  rawArgs: unknown,
): Promise<FileRow> {
  const { viewer } = services;
  const { id: fileId, idempotencyKey: key } = parseInput(RestoreFileArgs, rawArgs);
  return transactionWithEvents(services.db, services.bus, async (tx, emit) => {
    // Locked: the purge claims a file under the same lock, so a restore and a purge never both win.
    const { file, viewer: v } = await fileForChange(tx, viewer, fileId, 'ADMIN', true, true);
    const result = await once(tx, idempotencyKeys, { viewer: v, key, operation: 'restoreFile', input: { fileId } }, async () => {
      if (!file.deletedAt) throw appError('CONFLICT', 'This file is not deleted');
      if (file.purgeClaimedAt || file.deletedAt.getTime() < retentionCutoff(services.fileRetentionDays).getTime()) throw notFound('File');
      const [row] = await tx.update(files).set({ deletedAt: null, deletedBy: null, updatedAt: new Date() }).where(eq(files.id, file.id)).returning();
      await services.afterRestore?.(tx, row!);
      await emitFileChange(emit, 'file.restored', row!, v.userId);
      return row!;
    });
    if ('created' in result) return result.created;
    // A replay: the file as it is now, if it is still there (deleted again since: NOT_FOUND).
    if (file.deletedAt) throw notFound('File');
    return file;
  });
}
