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
import { createLoaders, type AnalyticsContext, type AnalyticsServices } from './context.js';
import { eventStreams, logEvents } from './db/schema.js';
import { permissions, resolvers, SUBGRAPH_NAME, typeDefs } from './schema.js';

export { typeDefs, resolvers, permissions, SUBGRAPH_NAME };

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));
export const DATABASE_SCHEMA = databaseSchemaOf('analytics');
/** Channels are `organoise:analytics:<stream>` (docs/protocols/subscriptions.md). */
export const EVENT_CHANNEL_PREFIX = 'organoise:analytics';

/** Event settings (pubsub, eventRetentionHours, eventPollIntervalMs) come from EventBusSettings. */
export interface AnalyticsSubgraphOptions extends EventBusSettings {
  database: Omit<DatabaseOptions, 'schema' | 'migrationsFolder'>;
  internalTokenSecret: string;
  log: Logger;
  port?: number;
  host?: string;
}

export interface AnalyticsSubgraph extends RunningServer {
  services: AnalyticsServices;
}

/** Opens the database (migrating it) and serves the analytics subgraph. */
export async function startAnalyticsSubgraph(options: AnalyticsSubgraphOptions): Promise<AnalyticsSubgraph> {
  const database = await openDatabase({ ...options.database, schema: DATABASE_SCHEMA, migrationsFolder: MIGRATIONS_FOLDER });
  let eventBus: RunningEventBus;
  try {
    eventBus = startEventBus(database.db, { events: logEvents, eventStreams }, EVENT_CHANNEL_PREFIX, options, options.log);
  } catch (error) {
    await database.close();
    throw error;
  }
  const services: AnalyticsServices = {
    db: database.db,
    bus: eventBus.bus,
    eventPollIntervalMs: eventBus.pollIntervalMs,
  };


  let server: RunningServer;
  try {
    server = await startSubgraphServer<AnalyticsContext>({
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
      // A full batch (1000 events, properties up to 8 KiB each) must fit in one request.
      maxBodyBytes: 10 * 1024 * 1024,
      createContext: (base) => ({ ...base, ...services, loaders: createLoaders(database.db, base) }),
    });
  } catch (error) {
    // A server that failed to start must not leave the database pool, the trim or the pubsub behind it.
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
