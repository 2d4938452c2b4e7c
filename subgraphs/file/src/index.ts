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
import { permissions, resolvers, SUBGRAPH_NAME, typeDefs } from './schema.js';
import { LocalDiskStorage, type BlobStorage } from './storage/index.js';

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
  /** Where the bytes go. Give either this or `storageDir` (a LocalDiskStorage there). */
  storage?: BlobStorage;
  storageDir?: string;
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
  const storage = options.storage ?? (options.storageDir ? new LocalDiskStorage(options.storageDir) : undefined);
  if (!storage) throw new Error('startFileSubgraph needs `storage` or `storageDir`');
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
  const services: FileSubgraphServices = {
    db: database.db,
    storage,
    maxUploadBytes,
    bus: eventBus.bus,
    eventPollIntervalMs: eventBus.pollIntervalMs,
    runs,
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
      createContext: (base) => ({ ...base, ...services, loaders: createLoaders(database.db, base) }),
    });
  } catch (error) {
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
      await eventBus.close();
      await database.close();
    },
  };
}
