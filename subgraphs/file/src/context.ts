import { byIdLoader, groupedLoader, type BaseContext, type Database, type EventBus } from '@organoise/core';
import { versionsOf, visibleFiles, type FileServices } from './domains/files/files.js';
import { createRunFileLoaders } from './domains/runs/runs.js';
import type { WorkflowRuns } from './domains/runs/workflow-runs.js';
import type { UploadConfig } from './domains/uploads/uploads.js';
import type { BlobStorage } from './storage/index.js';

export interface FileSubgraphServices {
  db: Database;
  storage: BlobStorage;
  maxUploadBytes: number;
  /** The event log and PubSub: mutations append to it, subscriptions follow it. */
  bus: EventBus;
  /** How often a subscription also reads the log, to catch a publish lost in transit; 0 = never. */
  eventPollIntervalMs: number;
  /** Confirms run ids with the workflow subgraph before a file is attached to one. */
  runs: WorkflowRuns;
  /** Direct uploads and signed downloads (domains/uploads). */
  uploads: UploadConfig;
  /** Stops the timer that removes expired uploads. */
  stopUploadCleanup: () => Promise<void>;
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

/**
 * A subscription's context lives as long as the subscription, so its loaders would serve each
 * event the rows cached for an earlier one. Each event starts with empty loaders: it shows the
 * file as it is now. (graphql-ws executes one subscription's events one after another.)
 */
export function renewLoaders(ctx: FileContext): void {
  ctx.loaders = createLoaders(ctx.db, ctx);
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
