import { byIdLoader, groupedLoader, type BaseContext, type Database, type SubgraphContext, type SubgraphServices } from '@organoise/core';
import { versionsOf, visibleFiles, type FileServices } from './domains/files/files.js';
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
  /** Processing after upload: the pg-boss queue its jobs go to (domains/processing). */
  processing: JobQueue;
}

export type FileContext = SubgraphContext<FileSubgraphServices, ReturnType<typeof createLoaders>>;

/** Per-request loaders: every entity lookup and per-parent list in one request is batched into one query. */
export function createLoaders(db: Database, base: BaseContext) {
  return {
    file: byIdLoader((ids) => visibleFiles(db, base.viewer, ids), (f) => f.id),
    versions: groupedLoader((fileIds) => versionsOf(db, fileIds), (v) => v.fileId),
    runFiles: createRunFileLoaders(db),
  };
}

/** The services a domain write needs, with the request's logger. */
export const servicesOf = (ctx: FileContext): FileServices => ({
  db: ctx.db,
  storage: ctx.storage,
  maxUploadBytes: ctx.maxUploadBytes,
  log: ctx.log,
  bus: ctx.bus,
  runs: ctx.runs,
  clientIp: ctx.clientIp,
});
