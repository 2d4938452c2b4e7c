import { fileURLToPath } from 'node:url';
import {
  JWKS_PATH,
  PRINCIPAL_PATH,
  INTERNAL_TOKEN_HEADER,
  openDatabase,
  startSubgraphServer,
  verifyInternalToken,
  type DatabaseOptions,
  type Logger,
  type RunningServer,
} from '@organoise/core';
import { createLoaders, type UserContext } from './context.js';
import { principalForSession } from './domains/accounts/accounts.js';
import { TokenIssuer, type TokenSettings } from './domains/accounts/tokens.js';
import { resolvers, SUBGRAPH_NAME, typeDefs } from './schema.js';

export { typeDefs, resolvers, SUBGRAPH_NAME };

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));

export interface UserSubgraphOptions {
  database: Omit<DatabaseOptions, 'schema' | 'migrationsFolder'>;
  internalTokenSecret: string;
  tokens: TokenSettings;
  sessionTtlSeconds: number;
  log: Logger;
  port?: number;
  host?: string;
}

export interface UserSubgraph extends RunningServer {
  services: { db: import('@organoise/core').Database; tokens: TokenIssuer };
}

/** Opens the database (migrating it), loads signing keys, and serves the user subgraph. */
export async function startUserSubgraph(options: UserSubgraphOptions): Promise<UserSubgraph> {
  const database = await openDatabase({ ...options.database, schema: 'users', migrationsFolder: MIGRATIONS_FOLDER });
  const tokens = new TokenIssuer(database.db, options.tokens);
  await tokens.init();
  const services = { db: database.db, tokens, sessionTtlSeconds: options.sessionTtlSeconds };
  const server = await startSubgraphServer<UserContext>({
    name: SUBGRAPH_NAME,
    typeDefs,
    resolvers: resolvers as never,
    internalTokenSecret: options.internalTokenSecret,
    log: options.log,
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    ready: database.ping,
    createContext: (base) => ({ ...base, ...services, loaders: createLoaders(database.db, base) }),
    routes: (app) => {
      // Public keys for verifying access tokens; public by nature.
      app.get(JWKS_PATH, (_req, res) => {
        res.set('cache-control', 'public, max-age=300').json(tokens.jwks());
      });
      // The gateway asks here whether a session is live and what roles its user holds.
      app.get(PRINCIPAL_PATH, async (req, res) => {
        const header = req.headers[INTERNAL_TOKEN_HEADER];
        const auth = await verifyInternalToken(options.internalTokenSecret, SUBGRAPH_NAME, Array.isArray(header) ? header[0] : header);
        if (!auth.ok) {
          res.status(401).json({ error: 'INTERNAL_TOKEN_INVALID' });
          return;
        }
        const sessionId = String(req.query.sessionId ?? '');
        const userId = String(req.query.userId ?? '');
        const valid = /^[0-9a-f-]{36}$/i;
        const principal = valid.test(sessionId) && valid.test(userId) ? await principalForSession(database.db, sessionId, userId) : null;
        if (!principal) {
          res.status(404).json({ error: 'SESSION_NOT_FOUND' });
          return;
        }
        res.json(principal);
      });
    },
  });
  return {
    ...server,
    services,
    close: async () => {
      await server.close();
      await database.close();
    },
  };
}
