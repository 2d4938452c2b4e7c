import { byIdLoader, groupedLoader, type BaseContext, type Database } from '@organoise/core';
import { versionsOf, visibleFiles, type FileServices } from './domains/files/files.js';
import { createRunFileLoaders } from './domains/runs/runs.js';
import type { BlobStorage } from './storage/index.js';

export interface FileSubgraphServices {
  db: Database;
  storage: BlobStorage;
  maxUploadBytes: number;
}

export type FileContext = BaseContext & FileSubgraphServices & { loaders: ReturnType<typeof createLoaders> };

/** Per-request loaders: every entity lookup and per-parent list in one request is batched into one query. */
export function createLoaders(db: Database, base: BaseContext) {
  return {
    file: byIdLoader((ids) => visibleFiles(db, base.viewer, ids), (f) => f.id),
    versions: groupedLoader((fileIds) => versionsOf(db, fileIds), (v) => v.fileId),
    runFiles: createRunFileLoaders(db),
  };
}

/** The services a domain write needs, with the request's logger. */
export const servicesOf = (ctx: FileContext): FileServices => ({ db: ctx.db, storage: ctx.storage, maxUploadBytes: ctx.maxUploadBytes, log: ctx.log });
