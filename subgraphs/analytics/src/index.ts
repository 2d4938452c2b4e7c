import { fileURLToPath } from 'node:url';
import { openDatabase, startSubgraphServer, type Database, type DatabaseOptions, type Logger, type RunningServer } from '@organoise/core';
import { createLoaders, type AnalyticsContext } from './context.js';
import { resolvers, SUBGRAPH_NAME, typeDefs } from './schema.js';

export { typeDefs, resolvers, SUBGRAPH_NAME };

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));

export interface AnalyticsSubgraphOptions {
  database: Omit<DatabaseOptions, 'schema' | 'migrationsFolder'>;
  internalTokenSecret: string;
  log: Logger;
  port?: number;
  host?: string;
}

export interface AnalyticsSubgraph extends RunningServer {
  services: { db: Database };
}

/** Opens the database (migrating it) and serves the analytics subgraph. */
export async function startAnalyticsSubgraph(options: AnalyticsSubgraphOptions): Promise<AnalyticsSubgraph> {
  const database = await openDatabase({ ...options.database, schema: 'analytics', migrationsFolder: MIGRATIONS_FOLDER });
  const services = { db: database.db };
  try {
    const server = await startSubgraphServer<AnalyticsContext>({
      name: SUBGRAPH_NAME,
      typeDefs,
      resolvers: resolvers as never,
      internalTokenSecret: options.internalTokenSecret,
      log: options.log,
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      ready: database.ping,
      // A full batch (1000 events, properties up to 8 KiB each) must fit in one request.
      maxBodyBytes: 10 * 1024 * 1024,
      createContext: (base) => ({ ...base, ...services, loaders: createLoaders(database.db, base) }),
    });
    return {
      ...server,
      services,
      close: async () => {
        await server.close();
        await database.close();
      },
    };
  } catch (error) {
    // A server that failed to start must not leave the database pool open behind it.
    await database.close();
    throw error;
  }
}
