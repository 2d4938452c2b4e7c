import { byIdLoader, groupedLoader, type BaseContext, type Database, type DomainDeps, type SubgraphContext, type SubgraphServices } from '@organoise/core';
import { versionsOf, visibleFiles } from './domains/files/files.js';
import { createRunFileLoaders } from './domains/runs/runs.js';
import type { WorkflowRuns } from './domains/runs/workflow-runs.js';
import type { JobQueue } from './domains/processing/queue.js';
import type { UploadConfig } from './domains/uploads/uploads.js';
import type { BlobStorage } from './storage/index.js';

export interface FileSubgraphServices extends SubgraphServices {
  storage: BlobStorage;
  maxUploadBytes: number;
  /** Confirms run ids with the workflow subgraph before a file is attached to one. */
  runs: WorkflowRuns;
  /** Direct uploads and signed downloads (domains/uploads). */
  uploads: UploadConfig;
  /** Stops the timer that removes expired uploads. */
  stopUploadCleanup: () => Promise<void>;
  /** Days a deleted file stays restorable (FILE_RETENTION_DAYS). */
  fileRetentionDays: number;
  /** Stops the timer that purges deleted files past their retention (domains/files/retention.ts). */
  stopFilePurge: () => Promise<void>;
  /** Processing after upload: the pg-boss queue its jobs go to (domains/processing). */
  processing: JobQueue;
}

export type FileContext = SubgraphContext<FileSubgraphServices, ReturnType<typeof createLoaders>>;

/** What the file subgraph's domain functions take first (docs/decisions/0012-domain-functions.md); a resolver passes its context. */
export type FileDeps = DomainDeps<FileSubgraphServices>;

/** Per-request loaders: every entity lookup and per-parent list in one request is batched into one query. */
export function createLoaders(db: Database, base: BaseContext) {
  return {
    file: byIdLoader((ids) => visibleFiles({ db, viewer: base.viewer }, ids), (f) => f.id),
    versions: groupedLoader((fileIds) => versionsOf(db, fileIds), (v) => v.fileId),
    runFiles: createRunFileLoaders(db),
  };
}
