import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { eventLogTables, idempotencyKeysTable } from '@organoise/core';

/**
 * The file subgraph owns the `files` Postgres schema; no other service reads it. Organizations,
 * users and workflow runs live in other subgraphs, so their ids are plain uuids here (no foreign
 * keys across services). The bytes are not here: `storage_key` names them in the BlobStorage.
 *
 * Timestamps are always written from the application (millisecond precision), never by `now()`:
 * cursors carry them as ISO strings, and a microsecond a cursor cannot express would make a row
 * reappear on the next page.
 */
export const filesSchema = pgSchema('files');

const at = (name: string) => timestamp(name, { withTimezone: true });

export const files = filesSchema.table(
  'files',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull(),
    name: text('name').notNull(),
    /** Of the current version (denormalised so lists and reads need no join). */
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    storageKey: text('storage_key').notNull(),
    currentVersion: integer('current_version').notNull(),
    ownerId: uuid('owner_id').notNull(),
    workflowRunId: uuid('workflow_run_id'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    /**
     * Soft deletion (domains/files/retention.ts): a deleted file is out of every list and read,
     * its bytes kept until FILE_RETENTION_DAYS after `deleted_at`, when the purge removes them and
     * then the row; restoreFile clears it before that.
     */
    deletedAt: at('deleted_at'),
    deletedBy: uuid('deleted_by'),
    /** When a purge sweep claimed the file (a lease: another replica takes it over only once it is old). */
    purgeClaimedAt: at('purge_claimed_at'),
  },
  (t) => [
    index('files_org_created_idx').on(t.organizationId, t.createdAt, t.id),
    index('files_org_name_idx').on(t.organizationId, t.name, t.id),
    index('files_org_size_idx').on(t.organizationId, t.size, t.id),
    index('files_org_content_type_idx').on(t.organizationId, t.contentType),
    index('files_run_idx').on(t.workflowRunId, t.organizationId, t.createdAt, t.id),
    // An organization's deleted files (newest deletion first), and the purge's oldest deletions.
    index('files_org_deleted_idx').on(t.organizationId, t.deletedAt, t.id).where(sql`deleted_at is not null`),
    index('files_deleted_idx').on(t.deletedAt).where(sql`deleted_at is not null`),
    check('files_size_check', sql`size >= 0`),
    check('files_current_version_check', sql`current_version >= 1`),
  ],
);

/** Immutable: every upload adds a version; the file row mirrors the newest one. */
export const fileVersions = filesSchema.table(
  'file_versions',
  {
    fileId: uuid('file_id')
      .notNull()
      .references(() => files.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    storageKey: text('storage_key').notNull(),
    createdBy: uuid('created_by').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'file_versions_pkey', columns: [t.fileId, t.version] }),
    check('file_versions_version_check', sql`version >= 1`),
    check('file_versions_size_check', sql`size >= 0`),
  ],
);

/**
 * Direct uploads (docs/protocols/uploads.md): asked for by createUpload, filled by the client on
 * a signed URL, turned into a file by completeUpload. An upload not completed by `expires_at` is
 * removed with its bytes by the cleanup timer; a completed one stays until then so a retried
 * completion answers with its file.
 */
export const uploads = filesSchema.table(
  'uploads',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull(),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    /** What the client announced; the bytes are hashed again on completion. */
    sha256: text('sha256').notNull(),
    workflowRunId: uuid('workflow_run_id'),
    createdBy: uuid('created_by').notNull(),
    storageKey: text('storage_key').notNull(),
    /** The storage's multipart upload id; null for a single PUT. */
    multipartId: text('multipart_id'),
    partSize: integer('part_size'),
    /** The file the upload becomes (its id is chosen up front: it is part of the storage key). */
    fileId: uuid('file_id').notNull(),
    /** True for createVersionUpload's upload: completing it adds the next version of file_id instead of making the file. */
    newVersion: boolean('new_version').notNull().default(false),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    /** Set once the file exists; the row stays until expiry so a retried completion answers with it. */
    completedAt: at('completed_at'),
  },
  (t) => [
    index('uploads_expires_idx').on(t.expiresAt),
    index('uploads_org_idx').on(t.organizationId, t.createdAt),
    check('uploads_size_check', sql`size >= 0`),
  ],
);

/** An organization's upload limits; an organization without a row has the service's defaults. */
export const uploadSettings = filesSchema.table('upload_settings', {
  organizationId: uuid('organization_id').primaryKey(),
  maxBytes: bigint('max_bytes', { mode: 'number' }).notNull(),
  /** Media types (`image/png`) or families (`image/*`); null allows every type. */
  allowedContentTypes: text('allowed_content_types').array(),
  updatedAt: at('updated_at').notNull(),
});

/**
 * The domain event log (docs/protocols/subscriptions.md): events are appended in the transaction
 * of the change they describe, and subscriptions replay them from here.
 */
export const { eventStreams, events } = eventLogTables(filesSchema);

/** Idempotency keys of create-type mutations (docs/protocols/idempotency.md), kept 24 hours. */
export const idempotencyKeys = idempotencyKeysTable(filesSchema);

/**
 * What processing after upload found in a file's bytes (domains/processing): one row per file,
 * written with the file by completeUpload (state QUEUED, beside its pg-boss job in the same
 * transaction) and updated by the worker at each try. `text` is what search indexes later.
 */
export const fileProcessing = filesSchema.table(
  'file_processing',
  {
    fileId: uuid('file_id')
      .primaryKey()
      .references(() => files.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id').notNull(),
    /** The version processed (the file's current one when the job was queued). */
    version: integer('version').notNull(),
    /** The pg-boss job (queue file-processing); after the last try it is in file-processing-dead. */
    jobId: uuid('job_id'),
    /** QUEUED, RUNNING, RETRYING, DONE or FAILED (dead-lettered). */
    state: text('state').notNull(),
    /** Tries started so far. */
    attempts: integer('attempts').notNull(),
    maxAttempts: integer('max_attempts').notNull(),
    lastError: text('last_error'),
    detectedContentType: text('detected_content_type'),
    /** The extracted text (at most PROCESSING_TEXT_MAX_CHARS), for search. */
    text: text('text'),
    /** Characters of text found, before any cut. */
    textLength: integer('text_length'),
    /** The thumbnail's storage key (WebP, beside the version's bytes); null when the file is no image. */
    thumbnailKey: text('thumbnail_key'),
    queuedAt: at('queued_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    finishedAt: at('finished_at'),
  },
  (t) => [
    index('file_processing_org_state_idx').on(t.organizationId, t.state),
    check('file_processing_state_check', sql`state in ('QUEUED', 'RUNNING', 'RETRYING', 'DONE', 'FAILED')`),
  ],
);
