import { fileURLToPath } from 'node:url';
import {
  openDatabase,
  startSubgraphServer,
  type DatabaseOptions,
  type Logger,
  type RunningServer,
  startEventBus,
  type RunningEventBus,
  type EventBusSettings,
  databaseSchemaOf,
} from '@organoise/core';
import { createLoaders, type FileContext, type FileSubgraphServices } from './context.js';
import { events, eventStreams, idempotencyKeys } from './db/schema.js';
import { base64LengthFor, DEFAULT_MAX_UPLOAD_BYTES } from './domains/files/files.js';
import { NO_WORKFLOW_RUNS, workflowRunsOverHttp, type WorkflowRuns } from './domains/runs/workflow-runs.js';
import { startUploadCleanup } from './domains/uploads/cleanup.js';
import { mountUploadRoutes } from './domains/uploads/routes.js';
import { urlSigner } from './domains/uploads/signing.js';
import { DEFAULT_UPLOAD_CONFIG, type UploadConfig } from './domains/uploads/uploads.js';
import { permissions, resolvers, SUBGRAPH_NAME, typeDefs } from './schema.js';
import { LocalDiskStorage, S3Storage, type BlobStorage, type S3StorageOptions } from './storage/index.js';

export { typeDefs, resolvers, permissions, SUBGRAPH_NAME, DEFAULT_MAX_UPLOAD_BYTES };
export * from './storage/index.js';
export type { WorkflowRuns } from './domains/runs/workflow-runs.js';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));
export const DATABASE_SCHEMA = databaseSchemaOf('file');
/** Channels are `organoise:file:<stream>` (docs/protocols/subscriptions.md). */
export const EVENT_CHANNEL_PREFIX = 'organoise:file';

/** Event settings (pubsub, eventRetentionHours, eventPollIntervalMs) come from EventBusSettings. */
export interface FileSubgraphOptions extends EventBusSettings {
  database: Omit<DatabaseOptions, 'schema' | 'migrationsFolder'>;
  internalTokenSecret: string;
  log: Logger;
  port?: number;
  host?: string;
  /** Where the bytes go. Give one of this, `s3` (an S3Storage) or `storageDir` (a LocalDiskStorage there). */
  storage?: BlobStorage;
  s3?: S3StorageOptions;
  storageDir?: string;
  /** Direct upload limits and lifetimes (DEFAULT_UPLOAD_CONFIG where unset). */
  uploads?: Partial<Omit<UploadConfig, 'signer'>>;
  /** How often expired uploads are removed (10 minutes by default). */
  uploadCleanupIntervalMs?: number;
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

export interface FileSubgraph extends RunningServer {
  services: FileSubgraphServices;
}

// Room for the rest of a request around the base64 text (query, other variables, JSON quoting).
const BODY_OVERHEAD_BYTES = 64 * 1024;
/** Opens the database (migrating it) and the blob storage, and serves the file subgraph. */
export async function startFileSubgraph(options: FileSubgraphOptions): Promise<FileSubgraph> {
  const storage = options.storage ?? (options.s3 ? new S3Storage(options.s3) : options.storageDir ? new LocalDiskStorage(options.storageDir) : undefined);
  if (!storage) throw new Error('startFileSubgraph needs `storage`, `s3` or `storageDir`');
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const database = await openDatabase({ ...options.database, schema: DATABASE_SCHEMA, migrationsFolder: MIGRATIONS_FOLDER });
  let eventBus: RunningEventBus;
  try {
    eventBus = startEventBus(database.db, { events, eventStreams, idempotencyKeys }, EVENT_CHANNEL_PREFIX, options, options.log);
  } catch (error) {
    await database.close();
    throw error;
  }
  const runs =
    options.workflowRuns ??
    (options.workflowUrl
      ? workflowRunsOverHttp({ url: options.workflowUrl, internalTokenSecret: options.internalTokenSecret, log: options.log, timeoutMs: options.workflowTimeoutMs })
      : NO_WORKFLOW_RUNS);
  if (runs === NO_WORKFLOW_RUNS) options.log.warn('file subgraph started without the workflow subgraph URL: files cannot be attached to runs');
  const uploads: UploadConfig = { ...DEFAULT_UPLOAD_CONFIG, ...options.uploads, signer: urlSigner(options.internalTokenSecret) };
  const cleanup = startUploadCleanup({ db: database.db, storage, maxUploadBytes, log: options.log, bus: eventBus.bus, runs, clientIp: null, uploads }, options.log, options.uploadCleanupIntervalMs);
  const services: FileSubgraphServices = {
    db: database.db,
    storage,
    maxUploadBytes,
    bus: eventBus.bus,
    eventPollIntervalMs: eventBus.pollIntervalMs,
    runs,
    uploads,
    stopUploadCleanup: cleanup.stop,
  };

  let server: RunningServer;
  try {
    server = await startSubgraphServer<FileContext>({
      name: SUBGRAPH_NAME,
      typeDefs,
      resolvers: resolvers as never,
      permissions,
      internalTokenSecret: options.internalTokenSecret,
      log: options.log,
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      // A body just big enough for the largest allowed upload: bigger ones stop at the HTTP layer (413).
      maxBodyBytes: base64LengthFor(maxUploadBytes) + BODY_OVERHEAD_BYTES,
      ready: database.ping,
      degraded: eventBus.degraded,
      // Signed upload and download URLs for a store clients cannot reach (local disk), streamed.
      routes: (app) => mountUploadRoutes(app, { db: database.db, storage, signer: uploads.signer, log: options.log }),
      createContext: (base) => ({ ...base, ...services, loaders: createLoaders(database.db, base) }),
    });
  } catch (error) {
    await cleanup.stop();
    await eventBus.close();
    await database.close();
    throw error;
  }
  return {
    ...server,
    services,
    close: async () => {
      // The server first: it ends the subscriptions, which unsubscribe and stop reading the log.
      await server.close();
      await cleanup.stop();
      await eventBus.close();
      await database.close();
    },
  };
}
