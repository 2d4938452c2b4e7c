import './env.js';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { createErrorFormatter, listen, type Logger, type RunningServer } from '@organoise/core';
import express from 'express';
import { IdentityVerifier } from './auth/identity.js';
import type { GatewayContext } from './context.js';
import { DEFAULT_PLAYGROUND_DIR, mountPlayground } from './playground.js';
import { routingUrls, SubgraphDataSource } from './subgraphs.js';

export type { GatewayContext };
export { routingUrls };

/** The supergraph this repository composes (schema/compose.ts writes it). */
export const DEFAULT_SUPERGRAPH_PATH = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));

export const loadSupergraph = (path: string = DEFAULT_SUPERGRAPH_PATH) => readFileSync(path, 'utf8');

export interface GatewayOptions {
  supergraphSdl: string;
  /** Overrides of the routing URLs in the supergraph, by subgraph name. */
  subgraphUrls?: Partial<Record<string, string>>;
  /** Signs the internal token sent to every subgraph; omit for a foreign graph. */
  internalTokenSecret?: string;
  /** Verifies OrgaNoise access tokens; null serves the graph without identity. */
  identity?: { issuer: string; principalCacheMs: number } | null;
  log: Logger;
  port?: number;
  host?: string;
  subgraphTimeoutMs?: number;
  maxBodyBytes?: number;
  playground?: boolean;
  /** The built playground (index.html and its assets); defaults to playground/dist in this repository. */
  playgroundDir?: string;
  introspection?: boolean;
}

export interface RunningGateway extends RunningServer {
  /** Subgraph URLs the gateway routes to, after overrides. */
  subgraphUrls: Record<string, string>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const log = options.log;
  const timeoutMs = options.subgraphTimeoutMs ?? 10_000;
  const urls = { ...routingUrls(options.supergraphSdl) };
  for (const [name, url] of Object.entries(options.subgraphUrls ?? {})) if (url) urls[name] = url;

  let identity: IdentityVerifier | null = null;
  if (options.identity) {
    const userUrl = urls.user;
    if (!userUrl || !options.internalTokenSecret) throw new Error('identity needs a `user` subgraph and an internal token secret');
    identity = new IdentityVerifier({ ...options.identity, userSubgraphUrl: userUrl, internalTokenSecret: options.internalTokenSecret, timeoutMs, log });
  }

  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) => new SubgraphDataSource(name, urls[name] ?? url ?? '', options.internalTokenSecret, timeoutMs),
    logger: { debug: () => {}, info: (m) => log.info(String(m)), warn: (m) => log.warn(String(m)), error: (m) => log.error(String(m)) },
  });

  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);

  // A mutation may change the caller's own roles (creating an organization, accepting an
  // invitation): their next request must not reuse the roles cached before it.
  const forgetAfterMutation: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, operation }) {
          if (operation?.operation === 'mutation' && contextValue.viewer) identity?.forget(contextValue.viewer.sessionId);
        },
      };
    },
  };

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: options.introspection ?? true,
    includeStacktraceInErrorResponses: false,
    persistedQueries: false,
    formatError: createErrorFormatter(log),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      forgetAfterMutation,
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.all(
      Object.entries(urls).map(async ([name, url]) => {
        try {
          const response = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(1000) });
          return [name, response.ok ? 'ok' : `HTTP ${response.status}`] as const;
        } catch {
          return [name, 'unreachable'] as const;
        }
      }),
    );
    const ready = checks.every(([, state]) => state === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', subgraphs: Object.fromEntries(checks) });
  });
  if (options.playground) mountPlayground(app, options.playgroundDir ?? DEFAULT_PLAYGROUND_DIR);

  app.use(
    '/graphql',
    express.json({ limit: options.maxBodyBytes ?? 16 * 1024 * 1024 }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = randomUUID();
        const viewer = identity ? await identity.viewerFrom(req.headers.authorization) : null;
        return { viewer, requestId, clientIp: req.ip ?? null };
      },
    }),
  );
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = (error as { status?: number }).status ?? 500;
    if (status >= 500) log.error('http error', { error });
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
    res.status(status).json({ errors: [{ message: status === 413 ? 'Request body too large' : status >= 500 ? 'Internal server error' : 'Bad request', extensions: { code } }] });
  });

  const server = await listen(httpServer, options.port ?? 0, options.host ?? '127.0.0.1', async () => {
    await apollo.stop();
  });
  return { ...server, subgraphUrls: urls };
}
