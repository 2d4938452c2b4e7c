import './env.js';
// Before @apollo/gateway loads (see the file).
import './apollo/flat-federation-exports.js';
// Result shaping compiled per operation, in place of @apollo/gateway's (see the file).
import { useCompiledShaping } from './apollo/compiled-shaping.js';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { apolloLogger, createErrorFormatter, installScalars, listen, logAccess, type Logger, type RunningServer } from '@organoise/core';
import express from 'express';
import { GraphQLError, type ExecutionResult, type GraphQLSchema } from 'graphql';
import proxyaddr from 'proxy-addr';
import { IdentityVerifier } from './auth/identity.js';
import type { GatewayContext } from './context.js';
import { corsPolicy } from './http/cors.js';
import { createGate } from './pipeline/gate.js';
import { DEFAULT_PLAYGROUND_DIR, mountPlayground } from './playground.js';
import { uploadProxy } from './uploads.js';
import { DEFAULT_WEB_DIR, mountWeb } from './web.js';
import { startProtection, type ProtectionOptions } from './protection/index.js';
import { cacheExecutor, type ResponseCache, type ResponseCacheOptions } from './cache/index.js';
import { instrumentExecutor } from './observability.js';
import { InflightFetches, routingUrls, SubgraphDataSource } from './subgraphs.js';
import { asGraphQLErrors, SubscriptionEngine } from './subscriptions/engine.js';
import { graphqlWsAdapter } from './transports/graphql-ws.js';
import { httpEdge } from './transports/http.js';
import { leanGraphQL, type LeanGraphQL } from './transports/lean-http.js';
import { liveCredentials, type LiveCredentials } from './transports/live.js';
import { followDomainEvents } from './events/feed.js';
import { refuseSseSingleConnection, streamsAdapter } from './transports/streams.js';

export type { GatewayContext, ResponseCache, ResponseCacheOptions };
export { routingUrls };
export { watchSupergraphFile, type WatchSupergraphOptions } from './reload.js';
export { DEVELOPMENT_ORIGINS } from './http/cors.js';
export { useCompiledShaping } from './apollo/compiled-shaping.js';
export { DELIVERY_CHANNEL, type DeliveryTrace } from './subscriptions/engine.js';

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
  /** Identical query fetches in flight are sent to a subgraph once, when one was sent after the client's request arrived (subgraphs.ts InflightFetches). Default on. */
  deduplicateFetches?: boolean;
  maxBodyBytes?: number;
  /**
   * A client has this long to send a whole request (default 30 s; its headers: 10 s, or this if
   * less). Node's default, 300 s, lets slow partial requests hold sockets open. Answers that
   * stream (SSE, multipart, graphql-ws) are not limited: only receiving the request is.
   */
  requestTimeoutMs?: number;
  /**
   * How long an idle keep-alive connection from a client stays open (default 65 s). Longer than
   * the idle timeout of what sits in front (load balancers and proxies: commonly 60 s), so that
   * they, not the gateway, close an idle connection: the side that closes can race a request the
   * other just sent on it, and the client then sees ECONNRESET or a 502. Node's own default is 5 s.
   */
  keepAliveTimeoutMs?: number;
  playground?: boolean;
  /** The built playground (index.html and its assets); defaults to playground/dist in this repository. */
  playgroundDir?: string;
  /** Serve the web app (its build) at / on this origin; off by default. */
  web?: boolean;
  /** The built web app (index.html and assets/); defaults to web/dist in this repository. */
  webDir?: string;
  /** Defaults to `!production`. */
  introspection?: boolean;
  /** Production defaults: introspection and field suggestions off unless asked for. */
  production?: boolean;
  /** Operation limits, persisted-operation safelist, rate limits (gateway/src/protection). */
  protection?: ProtectionOptions;
  /** Live subscriptions (docs/protocols/subscriptions.md). */
  subscriptions?: Partial<SubscriptionLimits>;
  /**
   * Origins (`https://app.example.com`) whose pages may call the gateway from a browser: CORS
   * headers and preflights, and WebSocket upgrades (gateway/src/http/cors.ts). None by default.
   */
  corsOrigins?: readonly string[];
  /** Express `trust proxy` (a hop count or proxy addresses): whose X-Forwarded-For names the client. None by default. */
  trustProxy?: number | string;
  /**
   * Serve plain JSON POST queries on a lean path beside Apollo Server's pipeline (gateway/src/transports/lean-http.ts),
   * with the same protections and answers. On by default; false sends every request through Apollo Server.
   */
  leanHttp?: boolean;
  /**
   * Answers shaped by a per-operation compiled copy of @apollo/gateway's result shaping (same
   * answers, errors left to Apollo: gateway/src/apollo/compiled-shaping.ts). On by default; false
   * shapes with Apollo's own. Process-wide: the last gateway started in a process sets it.
   */
  compiledShaping?: boolean;
  /**
   * Answers of cacheable queries kept per caller and dropped by the domain events of the caller's
   * organizations (gateway/src/cache, docs/decisions/0016-response-cache.md). Needs the Redis the
   * subgraphs publish their events on. Off (null) by default.
   */
  responseCache?: ResponseCacheOptions | null;
  /**
   * Where the subgraphs publish their domain events (REDIS_URL): live subscriptions are then
   * re-checked when an event says their credentials changed, and polled only every
   * `subscriptions.authSweepMs` (docs/protocols/subscriptions.md, "Credential events"). Without
   * it they are polled every `subscriptions.authRecheckMs`.
   */
  domainEvents?: { redisUrl: string; livenessMs?: number } | null;
}

export interface SubscriptionLimits {
  maxPerConnection: number;
  /** Events a subscriber may have waiting; past it the subscriber is cut off (SLOW_CONSUMER). */
  maxQueue: number;
  maxMessageBytes: number;
  /** How often a live subscription's session and roles are checked again while no credential event can be trusted (no `domainEvents`, or its feed is down). */
  authRecheckMs: number;
  /** How often they are checked while the credential events are followed: the bound for an event whose publish was lost. */
  authSweepMs: number;
  heartbeatMs: number;
  /** A subscriber resuming further behind than this many events is refused (RESUME_TOO_FAR_BEHIND), not replayed. */
  maxCatchUpEvents: number;
  /** Bytes of events (as JSON) a subscriber may have waiting before it is cut off (SLOW_CONSUMER). */
  maxQueueBytes: number;
}

/** The user subgraph's event channels (docs/protocols/subscriptions.md, section 2). */
const CREDENTIAL_EVENT_PATTERN = 'organoise:user:*';

const SUBSCRIPTION_DEFAULTS: SubscriptionLimits = { maxPerConnection: 100, maxQueue: 128, maxMessageBytes: 64 * 1024, authRecheckMs: 2000, authSweepMs: 30_000, heartbeatMs: 12_000, maxCatchUpEvents: 10_000, maxQueueBytes: 8 * 1024 * 1024 };

export interface RunningGateway extends RunningServer {
  /** Subgraph URLs the gateway routes to, after overrides. */
  subgraphUrls: Record<string, string>;
  /** The engine serving subscriptions now (a reload replaces it). */
  readonly subscriptions: SubscriptionEngine;
  /**
   * Plans every later operation on `sdl` and ends every open subscription (graphql-ws close 4503,
   * SSE and multipart SCHEMA_RELOADED) so clients resubscribe on it. A supergraph that does not
   * build is refused (the promise rejects) and nothing changes. Reloads run one at a time.
   */
  reloadSupergraph(sdl: string): Promise<void>;
  /** The response cache, when on. */
  readonly responseCache: ResponseCache | null;
  /** Live credential watches: how many, how many re-checks events caused, the polling period now. */
  credentialStats(): ReturnType<LiveCredentials['stats']>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const log = options.log;
  const timeoutMs = options.subgraphTimeoutMs ?? 10_000;
  const routesOf = (sdl: string) => {
    const routes = { ...routingUrls(sdl) };
    for (const [name, url] of Object.entries(options.subgraphUrls ?? {})) if (url) routes[name] = url;
    return routes;
  };
  const urls = routesOf(options.supergraphSdl);

  let identity: IdentityVerifier | null = null;
  if (options.identity) {
    const userUrl = urls.user;
    if (!userUrl || !options.internalTokenSecret) throw new Error('identity needs a `user` subgraph and an internal token secret');
    identity = new IdentityVerifier({ ...options.identity, userSubgraphUrl: userUrl, internalTokenSecret: options.internalTokenSecret, timeoutMs, log });
  }

  const introspection = options.introspection ?? !options.production;
  const protection = await startProtection({ ...options.protection, introspection }, log);

  // The same data sources serve queries and the entity fetches that hydrate subscription events.
  const dataSources: Record<string, SubgraphDataSource> = {};
  const inflight = (options.deduplicateFetches ?? true) ? new InflightFetches() : null;
  // A supergraph given as a function hands back `update`, which swaps the schema queries are
  // planned and validated on (and clears @apollo/gateway's plan cache) synchronously.
  let pushSupergraph: ((sdl: string) => void) | null = null;
  const gateway = new ApolloGateway({
    supergraphSdl: async ({ update }) => {
      pushSupergraph = update;
      return { supergraphSdl: options.supergraphSdl };
    },
    buildService: ({ name, url }) => (dataSources[name] = new SubgraphDataSource(name, urls[name] ?? url ?? '', options.internalTokenSecret, timeoutMs, inflight)),
    logger: apolloLogger(log),
  });
  // The response cache, then operation metrics around it (a hit is an operation too), on every path
  // that executes (Apollo Server's and the lean one): before apollo.start() takes the executor.
  const responseCache = options.responseCache ? cacheExecutor(gateway, options.responseCache, log) : null;
  instrumentExecutor(gateway);
  useCompiledShaping(options.compiledShaping ?? true);
  // Custom scalars of the supergraph validate as the subgraphs do (a bad DateTime is BAD_USER_INPUT here).
  let apiSchema: GraphQLSchema | null = null;
  gateway.onSchemaLoadOrUpdate((update) => {
    apiSchema = installScalars(update.apiSchema);
  });

  const app = express();
  app.disable('x-powered-by');
  // Express hashes every body it sends for an ETag; GraphQL answers are POSTs (never revalidated)
  // of up to hundreds of KB, so the hash is pure cost. The playground's assets keep theirs (static).
  app.set('etag', false);
  app.set('trust proxy', options.trustProxy ?? false);
  let lean: LeanGraphQL | null = null;
  // CORS first: a preflight is answered before any other rule sees it (the CSRF ones included).
  const cors = corsPolicy(options.corsOrigins ?? []);
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const httpServer = http.createServer({ requestTimeout, headersTimeout: Math.min(10_000, requestTimeout), connectionsCheckingInterval: Math.min(1000, requestTimeout) }, (req, res) => {
    // One id per request, made here at the edge: its access line, the gate's context, every
    // subgraph call (x-request-id) and every line logged while serving it carry it. A client's own
    // x-request-id is replaced, not kept: anyone may send one.
    req.headers['x-request-id'] = randomUUID();
    logAccess(log, req, res);
    if (cors.handle(req, res) || refuseSseSingleConnection(req, res)) return;
    if (lean?.accepts(req)) lean.handle(req, res);
    else app(req, res);
  });
  httpServer.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;

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

  // A document with several operations and no (or an unknown) operationName: Apollo Server hands
  // it to the gateway, whose executor throws a plain Error (HTTP 500). Refused here instead, as
  // Apollo Server answers it without a gateway: 400 OPERATION_RESOLUTION_FAILURE.
  const resolveOperation: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (operation) return;
          const message = request.operationName ? `Unknown operation named "${request.operationName}".` : 'Must provide operation name if query contains multiple operations.';
          throw new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } });
        },
      };
    },
  };

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // Stopping is ours (core's onStopSignal and gracefulShutdown: drain, then close). Outside
    // NODE_ENV=test Apollo Server would also stop itself on SIGTERM, at once, and raise the signal
    // again: the process then never exited (seen with `node gateway/src/main.ts` and SIGTERM).
    stopOnTerminationSignals: false,
    // protection.validationRules refuse introspection when it is off, with a catalogued code.
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // Apollo's CSRF rule refuses a GET without a custom header (urql's default for queries). No
    // credential here is ambient (tokens come in headers, never cookies), GET runs only queries,
    // and POST must be JSON (requireJsonPost): docs/decisions/0006-cross-origin-and-get.md.
    csrfPrevention: false,
    persistedQueries: protection.persistedQueries,
    parseOptions: protection.parseOptions,
    validationRules: protection.validationRules,
    formatError: protection.formatError(createErrorFormatter(log)),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      forgetAfterMutation,
      resolveOperation,
    ],
  });
  const formatError = protection.formatError(createErrorFormatter(log));
  // Every transport's requests go through this one gate (gateway/src/pipeline/gate.ts).
  const gate = createGate({
    identity,
    rateLimits: protection.rateLimits,
    safelist: protection.safelist,
    enforceSafelist: protection.safelistMode === 'enforce',
    limits: protection.limits,
    validationRules: protection.validationRules,
    schema: () => apiSchema,
    formatError,
  });
  const edge = httpEdge({ gate, maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024, log });
  // Before apollo.start(): it listens for the schema the gateway loads.
  if (options.leanHttp ?? true) lean = leanGraphQL({ app, gateway, edge, apollo: (req, res, next) => apolloHandler(req, res, next), formatError, log });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Ready when every subgraph is ready (its own /readyz: its database answers), not merely up:
  // a subgraph whose Postgres is down fails every signed-in request. A subgraph that runs
  // degraded (Redis down: writes go on, subscriptions read the log) keeps the gateway ready.
  // Draining (SIGTERM, gracefulShutdown): not ready, whatever the subgraphs say, so load balancers stop sending.
  const drainState = { draining: false };
  app.get('/readyz', async (_req, res) => {
    if (drainState.draining) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const checks = await Promise.all(
      Object.entries(urls).map(async ([name, url]) => {
        try {
          const response = await fetch(new URL('/readyz', url), { signal: AbortSignal.timeout(1000) });
          if (!response.ok) return [name, response.status === 503 ? 'unavailable' : `HTTP ${response.status}`] as const;
          const body = (await response.json().catch(() => ({}))) as { status?: unknown };
          return [name, body.status === 'degraded' ? 'degraded' : 'ok'] as const;
        } catch {
          return [name, 'unreachable'] as const;
        }
      }),
    );
    const ready = checks.every(([, state]) => state === 'ok' || state === 'degraded');
    const degraded = checks.some(([, state]) => state === 'degraded');
    res.status(ready ? 200 : 503).json({ status: ready ? (degraded ? 'degraded' : 'ready') : 'unavailable', subgraphs: Object.fromEntries(checks) });
  });
  // The file subgraph's signed upload and download URLs, on the API's own origin (docs/protocols/uploads.md):
  // streamed through before any body parser, and before the web app's catch-all route.
  if (urls.file) app.use('/files', uploadProxy({ fileSubgraphUrl: urls.file, log }));
  if (options.playground) mountPlayground(app, options.playgroundDir ?? DEFAULT_PLAYGROUND_DIR);
  if (options.web) mountWeb(app, options.webDir ?? DEFAULT_WEB_DIR);

  const limits = { ...SUBSCRIPTION_DEFAULTS, ...options.subscriptions };
  const engineFor = (supergraphSdl: string) =>
    new SubscriptionEngine({ supergraphSdl, subgraphUrls: urls, dataSources, internalTokenSecret: options.internalTokenSecret, maxQueue: limits.maxQueue, maxQueueBytes: limits.maxQueueBytes, maxCatchUpEvents: limits.maxCatchUpEvents, formatError, log });
  let subscriptions = engineFor(options.supergraphSdl);
  const live = liveCredentials(gate, { recheckMs: limits.authRecheckMs, sweepMs: Math.max(limits.authSweepMs, limits.authRecheckMs) });
  // Only the user subgraph's channels: the credential events are all there, and the other
  // subgraphs' (every run, file and ingest) need not cross this connection.
  const credentialFeed = options.domainEvents
    ? followDomainEvents(options.domainEvents.redisUrl, live.feed, log, { pattern: CREDENTIAL_EVENT_PATTERN, name: 'credential re-checks', ...(options.domainEvents.livenessMs ? { pingMs: options.domainEvents.livenessMs } : {}) })
    : null;
  // Queries and mutations sent over a socket or an SSE-only request run through Apollo Server as HTTP ones do.
  // Its errors come back formatted: made GraphQLErrors again, as graphql-ws serialises them with toJSON().
  const executeOperation = async (request: { query: string; variables: Record<string, unknown>; operationName?: string | undefined }, contextValue: GatewayContext): Promise<ExecutionResult> => {
    const response = await apollo.executeOperation(request, { contextValue });
    if (response.body.kind !== 'single') return { errors: asGraphQLErrors([{ message: 'Incremental delivery is not offered over this transport', extensions: { code: 'BAD_REQUEST' } }]) };
    const { errors, ...result } = response.body.singleResult;
    return { ...(result as Omit<ExecutionResult, 'errors'>), ...(errors ? { errors: asGraphQLErrors(errors) } : {}) };
  };
  const ws = graphqlWsAdapter({
    httpServer,
    allowsUpgrade: cors.allowsUpgrade,
    gate,
    watch: live.watch,
    engine: () => subscriptions,
    executeOperation,
    // The socket's client address as express's req.ip would give it: X-Forwarded-For counts only
    // from the proxies `trust proxy` (TRUST_PROXY) names, so IP allow-lists see the same address over HTTP and WS.
    clientIpOf: (req) => {
      try {
        return proxyaddr(req, app.get('trust proxy fn') as (addr: string, i: number) => boolean);
      } catch {
        return req.socket.remoteAddress ?? null;
      }
    },
    formatError,
    maxSubscriptionsPerConnection: limits.maxPerConnection,
    maxMessageBytes: limits.maxMessageBytes,
    heartbeatMs: limits.heartbeatMs,
    log,
  });
  const streams = streamsAdapter({ edge, watch: live.watch, engine: () => subscriptions, executeOperation, formatError, heartbeatMs: limits.heartbeatMs, log });

  const apolloHandler = expressMiddleware(apollo, { context: async ({ req }) => edge.contextOf(req) });
  // One route for every HTTP request to /graphql: the edge admits it, then SSE and multipart
  // streams answer what asks for a stream, Apollo Server the rest.
  app.use('/graphql', ...edge.beforeBody, express.json({ limit: edge.maxBodyBytes }), ...edge.afterBody, streams.serve, apolloHandler);
  app.use(edge.onError);

  const server = await listen(httpServer, options.port ?? 0, options.host ?? '127.0.0.1', async () => {
    await ws.close();
    await credentialFeed?.close();
    live.close();
    await subscriptions.close();
    await apollo.stop();
    await protection.close();
    await responseCache?.close();
    for (const dataSource of Object.values(dataSources)) dataSource.close();
  }, drainState);

  let reloading: Promise<void> = Promise.resolve();
  const reload = async (sdl: string) => {
    // Built first: a supergraph that does not build throws here, before anything changes.
    const next = engineFor(sdl);
    const previousUrls = { ...urls };
    const replaceUrls = (routes: Record<string, string>) => {
      for (const name of Object.keys(urls)) delete urls[name];
      Object.assign(urls, routes);
    };
    // Before the update: it builds a data source for each new or moved subgraph from `urls`.
    replaceUrls(routesOf(sdl));
    try {
      if (!pushSupergraph) throw new Error('The gateway has not loaded its supergraph');
      pushSupergraph(sdl);
    } catch (error) {
      replaceUrls(previousUrls);
      await next.close();
      throw error;
    }
    // A fresh engine, so no plan cached on the old schema is reused; every subscription planned
    // on the old one ends and its upstreams close with it.
    const previous = subscriptions;
    subscriptions = next;
    ws.reload();
    streams.reload();
    // Answers planned on the old supergraph may differ on the new one.
    responseCache?.flush();
    await previous.close();
    log.info('supergraph reloaded', { subgraphs: Object.keys(urls) });
  };
  return {
    ...server,
    subgraphUrls: urls,
    get subscriptions() {
      return subscriptions;
    },
    responseCache: responseCache?.cache ?? null,
    credentialStats: () => live.stats(),
    reloadSupergraph: (sdl) => {
      const run = reloading.then(() => reload(sdl));
      reloading = run.catch(() => {});
      return run;
    },
  };
}
