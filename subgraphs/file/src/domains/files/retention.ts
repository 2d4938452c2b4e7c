import type { Database, Logger } from '@organoise/core';
import { and, asc, eq, inArray, isNotNull, isNull, lt, or } from 'drizzle-orm';
import { fileProcessing, fileVersions, files } from '../../db/schema.js';
import type { BlobStorage } from '../../storage/index.js';
import { retentionCutoff } from './files.js';

/**
 * The purge of deleted files (docs/decisions/0014-file-soft-delete.md). A file deleted more than
 * FILE_RETENTION_DAYS ago loses its bytes (every version's, and every version's thumbnail), then
 * its rows (versions and processing go with the file, by cascade).
 *
 * Every replica runs the sweep. A file is claimed first (purge_claimed_at, set under the row's
 * lock with SKIP LOCKED, so two sweeps never take the same file), then its bytes are removed, then
 * its row, only by the sweep whose claim it still carries. Removing bytes is idempotent: a sweep
 * that dies in between leaves a claimed row whose claim runs out after `leaseMs`; the next sweep
 * claims it again, removes what is left (nothing) and the row. A restore never meets a claimed
 * file (restoreFile refuses it, under the same lock).
 */
export interface PurgeServices {
  db: Database;
  storage: BlobStorage;
  log: Logger;
}

export interface PurgeOptions {
  retentionDays: number;
  now?: Date;
  /** Files claimed at a time. */
  batch?: number;
  /** How long a claim holds before another sweep may take the file over (a sweep that died). */
  leaseMs?: number;
}

export const DEFAULT_PURGE_LEASE_MS = 15 * 60 * 1000;

/** Where processing puts a version's thumbnail (processing.ts, thumbnailKeyOf): repeated here so the purge needs nothing of processing. */
const thumbnailOf = (storageKey: string) => `${storageKey}_thumb`;

/** The keys a file's bytes may live under: every version and every version's thumbnail (not only the current one's). */
async function blobKeysOf(db: Database, file: { id: string; storageKey: string }): Promise<string[]> {
  const versions = await db.select({ key: fileVersions.storageKey }).from(fileVersions).where(eq(fileVersions.fileId, file.id));
  const [processing] = await db.select({ key: fileProcessing.thumbnailKey }).from(fileProcessing).where(eq(fileProcessing.fileId, file.id));
  const keys = new Set([file.storageKey, ...versions.map((v) => v.key)]);
  for (const key of [...keys]) keys.add(thumbnailOf(key));
  if (processing?.key) keys.add(processing.key);
  return [...keys];
}

/**
 * One sweep: purges every file deleted before the retention period, `batch` at a time. Answers
 * how many files this sweep purged (a file another sweep purged is not counted here).
 */
export async function purgeDeletedFiles(services: PurgeServices, options: PurgeOptions): Promise<number> {
  const now = options.now ?? new Date();
  const batch = options.batch ?? 50;
  const cutoff = retentionCutoff(options.retentionDays, now);
  const leaseEnd = new Date(now.getTime() - (options.leaseMs ?? DEFAULT_PURGE_LEASE_MS));
  let purged = 0;
  for (;;) {
    const claimedAt = new Date();
    const claimed = await services.db.transaction(async (tx) => {
      const due = await tx
        .select({ id: files.id })
        .from(files)
        .where(and(isNotNull(files.deletedAt), lt(files.deletedAt, cutoff), or(isNull(files.purgeClaimedAt), lt(files.purgeClaimedAt, leaseEnd))))
        .orderBy(asc(files.deletedAt))
        .limit(batch)
        .for('update', { skipLocked: true });
      if (due.length === 0) return [];
      return tx
        .update(files)
        .set({ purgeClaimedAt: claimedAt })
        .where(inArray(files.id, due.map((r) => r.id)))
        .returning({ id: files.id, storageKey: files.storageKey, organizationId: files.organizationId });
    });
    for (const file of claimed) {
      try {
        for (const key of await blobKeysOf(services.db, file)) await services.storage.delete(key);
        // Only while the claim is still this sweep's: one sweep purges a file.
        const gone = await services.db
          .delete(files)
          .where(and(eq(files.id, file.id), eq(files.purgeClaimedAt, claimedAt), isNotNull(files.deletedAt)))
          .returning({ id: files.id });
        purged += gone.length;
      } catch (error) {
        // The claim runs out and a later sweep tries again; the bytes removed so far stay removed.
        services.log.warn('could not purge a deleted file; a later sweep tries again', { fileId: file.id, error });
      }
    }
    if (claimed.length < batch) return purged;
  }
}

/**
 * Runs purgeDeletedFiles every `intervalMs` (hourly by default), one sweep at a time per
 * instance; every instance may run it (claims keep them off each other's files).
 */
export function startFilePurge(services: PurgeServices, options: { retentionDays: number; intervalMs?: number }): { stop: () => Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      try {
        const purged = await purgeDeletedFiles(services, { retentionDays: options.retentionDays });
        if (purged > 0) services.log.info('deleted files purged after their retention period', { purged });
      } catch (error) {
        services.log.warn('file purge failed; the next sweep tries again', { error });
      }
    });
  }, options.intervalMs ?? 60 * 60 * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
