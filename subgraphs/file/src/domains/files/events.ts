import type { Emit } from '@organoise/core';
import type { files } from '../../db/schema.js';

type FileRow = typeof files.$inferSelect;

/**
 * The file subgraph's domain events (docs/protocols/subscriptions.md). Payloads carry ids, the
 * version and the name only: never the bytes or their hash, which a subscriber reads through
 * the File entity, under its own access checks.
 */
export const fileStream = (fileId: string) => `file:${fileId}`;
export const organizationFilesStream = (organizationId: string) => `file.org:${organizationId}`;

export type FileEventType =
  | 'file.uploaded'
  | 'file.version.added'
  | 'file.renamed'
  | 'file.attached'
  | 'file.deleted'
  // Brought back by restoreFile within the retention period (the file reads as before its deletion).
  | 'file.restored'
  // Processing after upload (domains/processing): the findings are saved, or the last try failed.
  | 'file.processed'
  | 'file.processing.failed';

export interface FileEventPayload {
  fileId: string;
  /** The file's current version after the change (its last one, for a deletion). */
  version: number;
  name: string;
  /** The run the file is attached to after the change; null when detached. */
  workflowRunId: string | null;
  actorId: string;
}

/**
 * Appends one change of a file inside its transaction, to the file's stream then to its
 * organization's: every change appends in that order, because an append row-locks its stream's
 * head until commit, and one order keeps concurrent changes from deadlocking on each other's heads.
 */
export async function emitFileChange(emit: Emit, type: FileEventType, file: FileRow, actorId: string): Promise<void> {
  const payload: FileEventPayload = { fileId: file.id, version: file.currentVersion, name: file.name, workflowRunId: file.workflowRunId, actorId };
  for (const stream of [fileStream(file.id), organizationFilesStream(file.organizationId)]) {
    await emit({ stream, type, organizationId: file.organizationId, payload: { ...payload } });
  }
}
