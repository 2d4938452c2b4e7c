import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import express from 'express';
import { GraphQLError, subscribe, type DocumentNode, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { applyPermissions, type Permissions } from './authz/shield.js';
import { awaitSubscriptionSources } from './events/iterator.js';
import { isAsyncIterable, upstreamOperation, upstreamOperationOf, wantsLiveAck, withLiveAck, withPosition, withReplayEnd, type UpstreamOperation } from './events/live-ack.js';
import { createErrorFormatter } from './format-error.js';
import { CLIENT_USER_AGENT_HEADER, CLIENT_USER_AGENT_MAX, INTERNAL_TOKEN_HEADER, internalTokenError, verifyInternalToken, type Viewer } from './identity.js';
import { logAccess, type Logger } from './log.js';
import { observeSubgraphRequest, serveMetricsRequest } from './metrics.js';
import { countOnlyPages } from './pagination.js';
import { runInContext, startServerSpan } from './tracing.js';

export interface BaseContext {
  viewer: Viewer | null;
  /** The end client's IP as the gateway saw it; null when not forwarded. */
  clientIp: string | null;
  /** The end client's User-Agent as the gateway saw it (CLIENT_USER_AGENT_HEADER), over HTTP; display only. */
  userAgent?: string | null;
  requestId: string;
  log: Logger;
}

export interface RunningServer {
  /** http://host:port/graphql */
  url: string;
  port: number;
  /**
   * Starts a graceful shutdown's first step: /readyz answers 503 `{ status: 'draining' }` from now
   * on, so load balancers stop sending new work, while the server still serves whatever arrives.
   * `close` then finishes the requests in flight (gracefulShutdown in shutdown.ts does both).
   */
  drain(): void;
  close(): Promise<void>;
}

export interface SubgraphServerOptions<Ctx extends BaseContext> {
  /** The subgraph's name in the supergraph; internal tokens must be addressed to it. */
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<Ctx>;
  /**
   * Every domain's permissions merged (the subgraph's schema.ts). Required: a field with no rule
   * is denied (docs/decisions/0005-graphql-shield.md).
   */
  permissions: Permissions;
  internalTokenSecret: string;
  createContext: (base: BaseContext) => Ctx | Promise<Ctx>;
  log: Logger;
  port?: number;
  host?: string;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Extra routes mounted before /graphql (they are not behind the internal token). */
  routes?: (app: express.Express) => void;
  /** Readiness probe for /readyz: a hard dependency (the database ping); throws when not ready. */
  ready?: () => Promise<void>;
  /** Soft dependencies that are down (e.g. ['pubsub']): /readyz stays 200 and lists them. */
  degraded?: () => string[];
  /**
   * Serve Prometheus metrics at GET /metrics on this port (default true). Not behind the internal
   * token: a subgraph's port is reachable only inside the cluster (the gateway and Prometheus), and
   * the metrics carry no personal data (docs/operations.md).
   */
  metrics?: boolean;
}

/**
 * Starts one subgraph: Apollo Server over express on its own HTTP server. Every GraphQL request
 * must carry a valid internal token addressed to this subgraph; the identity in it becomes
 * `context.viewer`. Nothing reaches a resolver around the gateway.
 */
/** How long a subgraph keeps an idle keep-alive connection (above the gateway's 30 s idle timeout). */
export const SUBGRAPH_KEEP_ALIVE_MS = 65_000;

export async function startSubgraphServer<Ctx extends BaseContext>(options: SubgraphServerOptions<Ctx>): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  // Node closes idle keep-alive sockets after 5 s; the gateway reuses its pooled sockets for up to
  // 30 s, and a request sent as the server closes one fails with "socket hang up". Keep them longer.
  httpServer.keepAliveTimeout = SUBGRAPH_KEEP_ALIVE_MS;
  httpServer.headersTimeout = SUBGRAPH_KEEP_ALIVE_MS + 5000;
  const log = options.log;

  app.use((req, res, next) => {
    logAccess(log, req, res);
    next();
  });

  const schema = buildSecuredSubgraphSchema(options);
  const apollo = new ApolloServer<Ctx>({
    schema,
    // Stopping is ours (onStopSignal, gracefulShutdown): Apollo Server's own SIGTERM handler
    // (active outside NODE_ENV=test) would stop it before the drain and raise the signal again.
    stopOnTerminationSignals: false,
    // No inline traces: we send no usage reports to Apollo, and they cost time on every request.
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
    includeStacktraceInErrorResponses: false,
    // A safelist, not automatic persisted queries, is the production story (issue: API protection).
    persistedQueries: false,
    formatError: createErrorFormatter(log),
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: options.name });
  });
  const drainState = { draining: false };
  app.get('/readyz', async (_req, res) => {
    if (drainState.draining) {
      res.status(503).json({ status: 'draining', service: options.name });
      return;
    }
    try {
      await options.ready?.();
      const degraded = options.degraded?.() ?? [];
      res.json({ status: degraded.length ? 'degraded' : 'ready', service: options.name, ...(degraded.length ? { degraded } : {}) });
    } catch (error) {
      log.warn('not ready', { error });
      res.status(503).json({ status: 'unavailable', service: options.name });
    }
  });
  if (options.metrics ?? true) app.get('/metrics', (req, res) => void serveMetricsRequest(req, res));
  options.routes?.(app);

  const identities = new WeakMap<express.Request, { viewer: Viewer | null; clientIp: string | null }>();
  app.use(
    '/graphql',
    async (req, res, next) => {
      const header = req.headers[INTERNAL_TOKEN_HEADER];
      const result = await verifyInternalToken(options.internalTokenSecret, options.name, Array.isArray(header) ? header[0] : header);
      if (!result.ok) {
        const error = internalTokenError(result.reason);
        res.status(401).json({ errors: [{ message: error.message, extensions: error.extensions }] });
        return;
      }
      identities.set(req, { viewer: result.viewer, clientIp: result.clientIp });
      next();
    },
    express.json({ limit: options.maxBodyBytes ?? 1_000_000 }),
    // After the body is read (its stream callbacks run outside any request context): the request's
    // latency, and its server span (parent: the gateway's traceparent) around the resolvers.
    (req, res, next) => {
      const started = performance.now();
      const span = startServerSpan(`subgraph ${options.name}`, req.headers, { 'organoise.service': options.name });
      res.once('finish', () => {
        observeSubgraphRequest(options.name, (performance.now() - started) / 1000, res.statusCode);
        span?.end(res.statusCode >= 500);
      });
      runInContext(span?.context, next);
    },
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id']) || randomUUID();
        const identity = identities.get(req);
        const agent = req.headers[CLIENT_USER_AGENT_HEADER];
        const userAgent = typeof agent === 'string' && agent ? agent.slice(0, CLIENT_USER_AGENT_MAX) : null;
        return options.createContext({ viewer: identity?.viewer ?? null, clientIp: identity?.clientIp ?? null, userAgent, requestId, log: log.child({ requestId }) });
      },
    }),
  );
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = (error as { status?: number }).status ?? 500;
    if (status === 413) {
      res.status(413).json({ errors: [{ message: 'Request body too large', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
      return;
    }
    if (status >= 500) log.error('http error', { error });
    res.status(status).json({ errors: [{ message: status >= 500 ? 'Internal server error' : 'Bad request', extensions: { code: status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });

  // Subscriptions: graphql-ws on the same path. The gateway sends its internal token in
  // connection_init; without a valid one, the socket closes with 4403 before anything runs.
  let closeSubscriptions: (() => Promise<void>) | undefined;
  if (schema.getSubscriptionType()) {
    const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: 1024 * 1024 });
    const socketIdentities = new WeakMap<WebSocket, { viewer: Viewer | null; clientIp: string | null }>();
    const format = createErrorFormatter(log);
    // The same masking as HTTP: catalogued codes pass, anything else becomes INTERNAL_SERVER_ERROR.
    const masked = (errors: readonly GraphQLError[]) =>
      errors.map((error) => {
        const f: GraphQLFormattedError = format(error.toJSON(), error);
        return new GraphQLError(f.message, { ...(f.path ? { path: f.path } : {}), ...(f.extensions ? { extensions: f.extensions } : {}) });
      });
    const disposable = useServer<Record<string, unknown>>(
      {
        schema: awaitSubscriptionSources(schema),
        isProd: true,
        // The gateway asks for an acknowledgement (extensions.organoise.ack): once the source is in
        // place, the first message says so, with no data; every event committed from then on follows.
        // A replay (extensions.organoise.replay) ends with where it stopped reading instead.
        onOperation: (_ctx, _id, payload, args, result) => {
          if (!isAsyncIterable(result)) return undefined;
          const operation = operationOf(args.contextValue);
          if (operation?.replay) return withReplayEnd(result as AsyncIterableIterator<ExecutionResult>, operation);
          return wantsLiveAck(payload.extensions) ? withLiveAck(result as AsyncIterableIterator<ExecutionResult>, operation) : undefined;
        },
        // The source runs under its upstream operation, which it reads (streamIterator) and fills in.
        subscribe: (args) => upstreamOperation.run(operationOf(args.contextValue) ?? { gateway: false }, () => subscribe(args)),
        // Each event carries its stream position for the gateway (extensions.organoise.position).
        onNext: (_ctx, _id, _payload, args, result) => withPosition(result.errors ? { ...result, errors: masked(result.errors) } : result, operationOf(args.contextValue)),
        onError: (_ctx, _id, _payload, errors) => masked(errors),
        onConnect: async (ctx) => {
          const token = ctx.connectionParams?.[INTERNAL_TOKEN_HEADER];
          const result = await verifyInternalToken(options.internalTokenSecret, options.name, typeof token === 'string' ? token : undefined);
          if (!result.ok) return false;
          socketIdentities.set(ctx.extra.socket, { viewer: result.viewer, clientIp: result.clientIp });
          return true;
        },
        context: async (ctx, _id, payload) => {
          const identity = socketIdentities.get(ctx.extra.socket);
          const requestId = randomUUID();
          const context = await options.createContext({ viewer: identity?.viewer ?? null, clientIp: identity?.clientIp ?? null, requestId, log: log.child({ requestId }) });
          return Object.assign(context as object, { [UPSTREAM_OPERATION]: upstreamOperationOf(payload.extensions) }) as unknown as typeof context;
        },
      },
      wsServer,
    );
    closeSubscriptions = async () => {
      await disposable.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    };
  }

  return listen(httpServer, options.port ?? 0, options.host ?? '127.0.0.1', async () => {
    await closeSubscriptions?.();
    await apollo.stop();
  }, drainState);
}

/** Where a subscription's context keeps its upstream operation (events/live-ack.ts). */
const UPSTREAM_OPERATION = Symbol('upstream operation');
const operationOf = (context: unknown): UpstreamOperation | undefined =>
  typeof context === 'object' && context !== null ? (context as Record<symbol, UpstreamOperation | undefined>)[UPSTREAM_OPERATION] : undefined;

/** The subgraph schema with its permissions applied: what the server runs, and what tests can execute directly. */
export function buildSecuredSubgraphSchema(options: { typeDefs: DocumentNode; resolvers: unknown; permissions: Permissions }) {
  return applyPermissions(countOnlyPages(buildSubgraphSchema([{ typeDefs: options.typeDefs, resolvers: options.resolvers as never }])), options.permissions);
}

/** Listens (port 0 picks a free port) and returns the bound address with a close that waits; `drain` sets `drainState.draining` (the /readyz handler reads it). */
export async function listen(server: http.Server, port: number, host: string, beforeClose?: () => Promise<void>, drainState: { draining: boolean } = { draining: false }): Promise<RunningServer> {
  // Draining, every answer ends its connection (`Connection: close`): the client's next request
  // opens a new one, which the load balancer sends to another replica. A keep-alive connection
  // left open until the close would be cut by it, and a request the client sent on it at that
  // moment fails (ECONNRESET) though nothing was wrong with it. Decided when the head is written
  // (every path to it goes through writeHead), so answers already in flight when the drain began
  // count too; first listener, before any handler can write.
  server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: http.ServerResponse, ...args: Parameters<typeof writeHead>) {
      if (drainState.draining) this.setHeader('connection', 'close');
      return writeHead.apply(this, args);
    } as typeof writeHead;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shownHost}:${bound}/graphql`,
    port: bound,
    drain: () => {
      drainState.draining = true;
    },
    close: async () => {
      // A close is a drain too (when none came first): the answers still in flight end their
      // connections, which would otherwise hold the close for the keep-alive timeout.
      drainState.draining = true;
      if (beforeClose) await beforeClose();
      if (server.listening) {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      server.closeAllConnections();
    },
  };
}
