import { fileURLToPath } from 'node:url';
import {
  EventLog,
  MemoryPubSub,
  openDatabase,
  startSubgraphServer,
  type DatabaseOptions,
  type Logger,
  type PubSub,
  type RunningServer,
} from '@organoise/core';
import { createLoaders, type WorkflowContext, type WorkflowServices } from './context.js';
import { events, eventStreams } from './db/schema.js';
import { resolvers, SUBGRAPH_NAME, typeDefs } from './schema.js';

export { typeDefs, resolvers, SUBGRAPH_NAME };

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));
export const DATABASE_SCHEMA = 'workflow';
/** Channels are `organoise:workflow:<stream>` (docs/protocols/subscriptions.md). */
export const EVENT_CHANNEL_PREFIX = 'organoise:workflow';

export interface WorkflowSubgraphOptions {
  database: Omit<DatabaseOptions, 'schema' | 'migrationsFolder'>;
  internalTokenSecret: string;
  log: Logger;
  port?: number;
  host?: string;
  /** Fan-out of committed events; shared (Redis) between replicas. Default: in memory, this process only. */
  pubsub?: PubSub;
  /** Events older than this are trimmed from the log; resuming from before them is refused. Default 24. */
  eventRetentionHours?: number;
  /** How often a subscription also reads the log, in case a publish was lost and no later event comes. Default 15 s; 0 = never. */
  eventPollIntervalMs?: number;
}

export interface WorkflowSubgraph extends RunningServer {
  services: WorkflowServices;
}

const HOUR_MS = 3_600_000;

/** Opens the database (migrating it) and serves the workflow subgraph. */
export async function startWorkflowSubgraph(options: WorkflowSubgraphOptions): Promise<WorkflowSubgraph> {
  const retentionMs = (options.eventRetentionHours ?? 24) * HOUR_MS;
  if (!(retentionMs > 0)) throw new Error('eventRetentionHours must be a positive number');
  const database = await openDatabase({ ...options.database, schema: DATABASE_SCHEMA, migrationsFolder: MIGRATIONS_FOLDER });
  const ownPubsub = options.pubsub ? null : new MemoryPubSub();
  const pubsub = options.pubsub ?? ownPubsub!;
  const log = new EventLog(database.db, { events, eventStreams });
  const services: WorkflowServices = {
    db: database.db,
    bus: { log, pubsub, prefix: EVENT_CHANNEL_PREFIX },
    eventPollIntervalMs: options.eventPollIntervalMs ?? 15_000,
  };

  // Every replica trims; the deletes are idempotent, so they need no coordination.
  let trimming: Promise<void> = Promise.resolve();
  const trimTimer = setInterval(
    () => {
      trimming = log.trim(new Date(Date.now() - retentionMs)).catch((error: unknown) => options.log.warn('event log trim failed', { error }));
    },
    Math.min(retentionMs / 4, HOUR_MS),
  );
  trimTimer.unref();
  const stopTrimming = async () => {
    clearInterval(trimTimer);
    await trimming;
  };

  let server: RunningServer;
  try {
    server = await startSubgraphServer<WorkflowContext>({
      name: SUBGRAPH_NAME,
      typeDefs,
      resolvers: resolvers as never,
      internalTokenSecret: options.internalTokenSecret,
      log: options.log,
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      ready: database.ping,
      createContext: (base) => ({ ...base, ...services, loaders: createLoaders(database.db, base) }),
    });
  } catch (error) {
    await stopTrimming();
    await ownPubsub?.close();
    await database.close();
    throw error;
  }
  return {
    ...server,
    services,
    close: async () => {
      // The server first: it ends the subscriptions, which unsubscribe and stop reading the log.
      await server.close();
      await stopTrimming();
      await ownPubsub?.close();
      await database.close();
    },
  };
}
