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
import { createLoaders, type WorkflowContext, type WorkflowServices } from './context.js';
import { events, eventStreams, idempotencyKeys } from './db/schema.js';
import { permissions, resolvers, SUBGRAPH_NAME, typeDefs } from './schema.js';

export { typeDefs, resolvers, permissions, SUBGRAPH_NAME };

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));
export const DATABASE_SCHEMA = databaseSchemaOf('workflow');
/** Channels are `organoise:workflow:<stream>` (docs/protocols/subscriptions.md). */
export const EVENT_CHANNEL_PREFIX = 'organoise:workflow';

/** Event settings (pubsub, eventRetentionHours, eventPollIntervalMs) come from EventBusSettings. */
export interface WorkflowSubgraphOptions extends EventBusSettings {
  database: Omit<DatabaseOptions, 'schema' | 'migrationsFolder'>;
  internalTokenSecret: string;
  log: Logger;
  port?: number;
  host?: string;
}

export interface WorkflowSubgraph extends RunningServer {
  services: WorkflowServices;
}

/** Opens the database (migrating it) and serves the workflow subgraph. */
export async function startWorkflowSubgraph(options: WorkflowSubgraphOptions): Promise<WorkflowSubgraph> {
  const database = await openDatabase({ ...options.database, schema: DATABASE_SCHEMA, migrationsFolder: MIGRATIONS_FOLDER });
  let eventBus: RunningEventBus;
  try {
    eventBus = startEventBus(database.db, { events, eventStreams, idempotencyKeys }, EVENT_CHANNEL_PREFIX, options, options.log);
  } catch (error) {
    await database.close();
    throw error;
  }
  const services: WorkflowServices = {
    db: database.db,
    bus: eventBus.bus,
    eventPollIntervalMs: eventBus.pollIntervalMs,
  };


  let server: RunningServer;
  try {
    server = await startSubgraphServer<WorkflowContext>({
      name: SUBGRAPH_NAME,
      typeDefs,
      resolvers: resolvers as never,
      permissions,
      internalTokenSecret: options.internalTokenSecret,
      log: options.log,
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
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
