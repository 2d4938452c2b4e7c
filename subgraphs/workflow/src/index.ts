import { fileURLToPath } from 'node:url';
import { openDatabase, startSubgraphServer, type Database, type DatabaseOptions, type Logger, type RunningServer } from '@organoise/core';
import { createLoaders, type WorkflowContext } from './context.js';
import { resolvers, SUBGRAPH_NAME, typeDefs } from './schema.js';

export { typeDefs, resolvers, SUBGRAPH_NAME };

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));
export const DATABASE_SCHEMA = 'workflow';

export interface WorkflowSubgraphOptions {
  database: Omit<DatabaseOptions, 'schema' | 'migrationsFolder'>;
  internalTokenSecret: string;
  log: Logger;
  port?: number;
  host?: string;
}

export interface WorkflowSubgraph extends RunningServer {
  services: { db: Database };
}

/** Opens the database (migrating it) and serves the workflow subgraph. */
export async function startWorkflowSubgraph(options: WorkflowSubgraphOptions): Promise<WorkflowSubgraph> {
  const database = await openDatabase({ ...options.database, schema: DATABASE_SCHEMA, migrationsFolder: MIGRATIONS_FOLDER });
  const services = { db: database.db };
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
    await database.close();
    throw error;
  }
  return {
    ...server,
    services,
    close: async () => {
      await server.close();
      await database.close();
    },
  };
}
