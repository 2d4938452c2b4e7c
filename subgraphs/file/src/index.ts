import { defineSubgraph, type StartedSubgraph, type SubgraphOptions, type SubgraphServices } from '@organoise/core';
import { createLoaders, type FileSubgraphServices } from './context.js';
import { events, eventStreams, idempotencyKeys } from './db/schema.js';
import { base64LengthFor, DEFAULT_FILE_RETENTION_DAYS, DEFAULT_MAX_UPLOAD_BYTES } from './domains/files/files.js';
import { startFilePurge } from './domains/files/retention.js';
import { domain as files } from './domains/files/resolvers.js';
import { domain as live } from './domains/live/resolvers.js';
import { domain as organizations } from './domains/organizations/resolvers.js';
import { processFileJob } from './domains/processing/processing.js';
import { DEFAULT_PROCESSING_CONFIG, openJobQueue, type ProcessingConfig } from './domains/processing/queue.js';
import { domain as processing } from './domains/processing/resolvers.js';
import { domain as runs } from './domains/runs/resolvers.js';
import { fileSearchSource } from './domains/search/source.js';
import { startUploadCleanup } from './domains/uploads/cleanup.js';
import { domain as uploads } from './domains/uploads/resolvers.js';
import { mountUploadRoutes } from './domains/uploads/routes.js';
import { urlSigner } from './domains/uploads/signing.js';
import { DEFAULT_UPLOAD_CONFIG, type UploadConfig } from './domains/uploads/uploads.js';
import { NO_WORKFLOW_RUNS, workflowRunsOverHttp, type WorkflowRuns } from './domains/runs/workflow-runs.js';
import { LocalDiskStorage, S3Storage, type BlobStorage, type S3StorageOptions } from './storage/index.js';

export { DEFAULT_MAX_UPLOAD_BYTES };
export * from './storage/index.js';
export type { WorkflowRuns } from './domains/runs/workflow-runs.js';

export interface FileSubgraphOptions extends SubgraphOptions {
  /** Where the bytes go. Give one of this, `s3` (an S3Storage) or `storageDir` (a LocalDiskStorage there). */
  storage?: BlobStorage;
  s3?: S3StorageOptions;
  storageDir?: string;
  /** Direct upload limits and lifetimes (DEFAULT_UPLOAD_CONFIG where unset). */
  uploads?: Partial<Omit<UploadConfig, 'signer'>>;
  /** Processing after upload: workers, retries, limits (DEFAULT_PROCESSING_CONFIG where unset). */
  processing?: Partial<ProcessingConfig>;
  /** How often expired uploads are removed (10 minutes by default). */
  uploadCleanupIntervalMs?: number;
  /** Days a deleted file stays restorable before its bytes and rows are purged (30 by default). */
  fileRetentionDays?: number;
  /** How often the purge of deleted files past their retention runs (hourly by default). */
  filePurgeIntervalMs?: number;
  /** Largest file accepted, in bytes (10 MiB by default). */
  maxUploadBytes?: number;
  /**
   * The workflow subgraph's GraphQL URL: a file is attached to a run (uploadFile, attachFileToRun)
   * only once the workflow subgraph confirms the run is in the file's organization and visible to
   * the caller. Without it (and without `workflowRuns`) every run id is refused with
   * SUBGRAPH_UNAVAILABLE: the check fails closed.
   */
  workflowUrl?: string;
  /** How long a run check may take (5 s by default); then SUBGRAPH_UNAVAILABLE, nothing written. */
  workflowTimeoutMs?: number;
  /** Another source of that answer than `workflowUrl` (tests of this subgraph alone). */
  workflowRuns?: WorkflowRuns;
}

// Room for the rest of a request around the base64 text (query, other variables, JSON quoting).
const BODY_OVERHEAD_BYTES = 64 * 1024;

/** Files (their bytes in blob storage), their versions, and their attachment to workflow runs. */
export const subgraph = defineSubgraph({
  name: 'file',
  root: import.meta.url,
  domains: [files, organizations, runs, live, uploads, processing],
  eventTables: { events, eventStreams, idempotencyKeys },
  search: fileSearchSource,
  loaders: createLoaders,
  services: async (core: SubgraphServices, options: FileSubgraphOptions): Promise<FileSubgraphServices> => {
    const storage = options.storage ?? (options.s3 ? new S3Storage(options.s3) : options.storageDir ? new LocalDiskStorage(options.storageDir) : undefined);
    if (!storage) throw new Error('startFileSubgraph needs `storage`, `s3` or `storageDir`');
    const runs =
      options.workflowRuns ??
      (options.workflowUrl
        ? workflowRunsOverHttp({ url: options.workflowUrl, internalTokenSecret: options.internalTokenSecret, log: options.log, timeoutMs: options.workflowTimeoutMs })
        : NO_WORKFLOW_RUNS);
    if (runs === NO_WORKFLOW_RUNS) options.log.warn('file subgraph started without the workflow subgraph URL: files cannot be attached to runs');
    const uploads: UploadConfig = { ...DEFAULT_UPLOAD_CONFIG, ...options.uploads, signer: urlSigner(options.internalTokenSecret) };
    const queue = await openJobQueue({ db: core.db, url: options.database.url, log: options.log, config: { ...DEFAULT_PROCESSING_CONFIG, ...options.processing } });
    const fileRetentionDays = options.fileRetentionDays ?? DEFAULT_FILE_RETENTION_DAYS;
    const base = { ...core, storage, maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES, runs, uploads, clientIp: null, processing: queue, fileRetentionDays };
    await queue.work((job) => processFileJob({ db: core.db, bus: core.bus, storage, log: options.log, queue }, job));
    const cleanup = startUploadCleanup({ ...base, log: options.log }, options.log, options.uploadCleanupIntervalMs);
    const purge = startFilePurge({ db: core.db, storage, log: options.log }, { retentionDays: fileRetentionDays, ...(options.filePurgeIntervalMs ? { intervalMs: options.filePurgeIntervalMs } : {}) });
    return { ...core, storage, maxUploadBytes: base.maxUploadBytes, runs, uploads, stopUploadCleanup: cleanup.stop, processing: queue, fileRetentionDays, stopFilePurge: purge.stop };
  },
  // Signed upload and download URLs for a store clients cannot reach (local disk), streamed.
  routes: (app, services, options) => mountUploadRoutes(app, { db: services.db, storage: services.storage, signer: services.uploads.signer, log: options.log }),
  drain: async (services) => {
    await services.stopUploadCleanup();
    await services.stopFilePurge();
    await services.processing.stop();
  },
  // A body just big enough for the largest allowed upload: bigger ones stop at the HTTP layer (413).
  maxBodyBytes: (options) => base64LengthFor(options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES) + BODY_OVERHEAD_BYTES,
  // The platform starts the file subgraph once the workflow subgraph (which it needs) has an address.
  peers: (urls) => ({ workflowUrl: urls.workflow }),
});

export const { name: SUBGRAPH_NAME, typeDefs, resolvers, permissions, eventChannelPrefix: EVENT_CHANNEL_PREFIX, start: startFileSubgraph } = subgraph;
export type FileSubgraph = StartedSubgraph<FileSubgraphServices>;
