import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { isApiKeyViewer, isAppError, type ErrorCode, type Logger, type Viewer } from '@organoise/core';
import express from 'express';
import proxyaddr from 'proxy-addr';
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type ValidationRule,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { IdentityVerifier } from '../auth/identity.js';
import type { GatewayContext } from '../context.js';
import { DEFAULT_OPERATION_LIMITS, parseOperation } from '../protection/limits.js';
import { depthExceeds, MAX_INPUT_DEPTH } from '../protection/http.js';
import { API_KEY_HEADER, markCharged, presentedApiKey, type RateLimits } from '../protection/rate-limit.js';
import type { Safelist } from '../protection/safelist.js';
import { asGraphQLErrors, type EngineSubscription, type SubscriptionEngine } from './engine.js';

/** Close codes of the gateway's graphql-ws endpoint (docs/protocols/subscriptions.md). */
export const CLOSE = {
  UNAUTHENTICATED: 4401,
  AUTHORIZATION_CHANGED: 4403,
  SLOW_CONSUMER: 4408,
  SCHEMA_RELOADED: 4503,
  /** WebSocket's own "Try Again Later": graphql-ws clients reconnect after it. */
  TRY_AGAIN_LATER: 1013,
} as const;

/**
 * How the end of a live subscription's rights is told: the catalogued code (the final error of an
 * SSE or multipart stream) and the graphql-ws close code and reason. One table, so that the two
 * transports cannot tell the same event differently.
 */
interface Loss {
  code: ErrorCode;
  close: number;
  reason: string;
}
const LOSSES = {
  TOKEN_EXPIRED: { code: 'UNAUTHENTICATED', close: CLOSE.UNAUTHENTICATED, reason: 'Token expired' },
  SESSION_ENDED: { code: 'UNAUTHENTICATED', close: CLOSE.UNAUTHENTICATED, reason: 'Session ended' },
  AUTHORIZATION_CHANGED: { code: 'FORBIDDEN', close: CLOSE.AUTHORIZATION_CHANGED, reason: 'Authorization changed' },
} as const satisfies Record<string, Loss>;

export interface SubscriptionTransportOptions {
  app: express.Express;
  httpServer: http.Server;
  /** Whether a WebSocket upgrade's Origin is allowed (the CORS allow-list); all are without it. */
  allowsUpgrade?: (req: http.IncomingMessage) => boolean;
  engine: SubscriptionEngine;
  identity: IdentityVerifier | null;
  /** Queries and mutations sent over a socket run through the same server as HTTP ones. */
  executeOperation: (request: { query: string; variables: Record<string, unknown>; operationName?: string | undefined }, context: GatewayContext) => Promise<ExecutionResult>;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** The same validation rules as HTTP requests (depth, cost, ...); the standard rules always run. */
  validationRules?: readonly ValidationRule[];
  /** The parser's token cap (protection.parseOptions.maxTokens), the same as HTTP's. */
  maxTokens?: number | undefined;
  /** Persisted operations: listed ids resolve to their bodies; `enforce` runs only listed operations. */
  safelist?: { list: Safelist; enforce: boolean } | null;
  /** The HTTP budgets (per address, API key and user), charged once per operation started here. */
  rateLimits?: RateLimits | null;
  maxSubscriptionsPerConnection: number;
  /** Largest graphql-ws message (ws closes the socket with 1009 above it). */
  maxMessageBytes: number;
  /** Largest SSE or multipart request body. */
  maxBodyBytes: number;
  /** How often a live connection's session and roles are checked again. */
  authRecheckMs: number;
  heartbeatMs: number;
  log: Logger;
}

interface Principal {
  viewer: Viewer | null;
  expiresAt: Date | null;
}

type Refusal = { status: number; errors: GraphQLFormattedError[] };

const refusal = (status: number, message: string, code: string): Refusal => ({ status, errors: [{ message, extensions: { code } }] });

/**
 * Serves subscriptions to clients over graphql-ws (upgrade on /graphql), GraphQL over SSE
 * (`Accept: text/event-stream`, distinct-connections mode, `id:` = cursor, Last-Event-ID resumes)
 * and Apollo's multipart HTTP subscriptions (`Accept: multipart/mixed;subscriptionSpec=1.0`).
 * Identity is verified before anything starts and re-checked while a subscription lives.
 */
export function mountSubscriptionTransports(options: SubscriptionTransportOptions) {
  const { identity, log } = options;
  // Replaced on a supergraph reload (reload() below): every operation started after it uses the new one.
  let engine = options.engine;
  const rules = [...specifiedRules, ...(options.validationRules ?? [])];

  const authenticate = async (authorization: string | undefined, clientIp: string | null): Promise<Principal> =>
    identity ? identity.authenticate(authorization, clientIp) : { viewer: null, expiresAt: null };

  // The socket's client address as express's req.ip would give it: X-Forwarded-For counts only
  // from the proxies `trust proxy` (TRUST_PROXY) names, so IP allow-lists see the same address over HTTP and WS.
  const clientIpOf = (req: http.IncomingMessage): string | null => {
    try {
      return proxyaddr(req, options.app.get('trust proxy fn') as (addr: string, i: number) => boolean);
    } catch {
      return req.socket.remoteAddress ?? null;
    }
  };

  /** What a failed re-check of live credentials means for the subscriptions on them; null: nothing (the check could not be made). */
  const lostAs = (error: unknown): Loss | null => {
    const code = isAppError(error) ? String(error.extensions.code) : null;
    if (code === 'UNAUTHENTICATED') return LOSSES.SESSION_ENDED;
    if (code === 'API_KEY_INVALID' || code === 'API_KEY_REVOKED' || code === 'API_KEY_EXPIRED') return { code, close: CLOSE.UNAUTHENTICATED, reason: code };
    if (code === 'IP_NOT_ALLOWED') return { code, close: CLOSE.AUTHORIZATION_CHANGED, reason: code };
    return null;
  };
  // An API key is charged to its own budget, never to a user's.
  const userOf = (viewer: Viewer | null) => (viewer && !isApiKeyViewer(viewer) ? viewer.userId : undefined);

  /**
   * The checks an HTTP request meets before Apollo Server runs it, in the same order and with the
   * same codes: the safelist (before parsing), the token cap while parsing, then the standard
   * rules and the limits (depth, aliases, directives, cost, introspection when it is off).
   */
  const prepare = (request: { query?: unknown; variables?: unknown; extensions?: unknown; operationName?: unknown }): { document: DocumentNode; operation: 'query' | 'mutation' | 'subscription' } | Refusal => {
    // As over HTTP (protection/http.ts, refuseDeepInput): nothing recursive ever sees such a value.
    for (const part of ['variables', 'extensions'] as const) {
      if (depthExceeds(request[part], MAX_INPUT_DEPTH)) return refusal(400, `The ${part} nest deeper than ${MAX_INPUT_DEPTH} levels`, 'BAD_USER_INPUT');
    }
    // graphql-ws requires a query string: a client that names a persisted id sends an empty one.
    const named = { query: typeof request.query === 'string' && request.query.length > 0 ? request.query : undefined, extensions: request.extensions };
    const safelist = options.safelist;
    if (safelist?.enforce) {
      const refused = safelist.list.check(named);
      if (refused) return { status: 400, errors: [options.formatError(refused.toJSON(), refused)] };
    }
    const query = safelist ? safelist.list.resolve(named) : named.query;
    if (typeof query !== 'string' || query.length === 0) return refusal(400, 'A query string is required', 'BAD_REQUEST');
    const operationName = request.operationName;
    let document: DocumentNode;
    try {
      document = parseOperation(query, { tokens: options.maxTokens ?? DEFAULT_OPERATION_LIMITS.tokens });
    } catch (error) {
      if (isAppError(error)) return { status: 400, errors: [options.formatError(error.toJSON(), error)] };
      return { status: 400, errors: [{ message: (error as Error).message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] };
    }
    const errors = validate(engine.apiGraphQLSchema, document, rules);
    if (errors.length > 0) return { status: 400, errors: errors.map((e) => options.formatError({ ...e.toJSON(), extensions: { ...e.extensions, code: e.extensions.code ?? 'GRAPHQL_VALIDATION_FAILED' } }, e)) };
    const op = getOperationAST(document, typeof operationName === 'string' ? operationName : undefined);
    if (!op) return refusal(400, 'Could not determine which operation to run', 'OPERATION_RESOLUTION_FAILURE');
    // Variables are coerced here, as Apollo Server does over HTTP: a subgraph must never be the
    // first to find that a required one is missing or has the wrong type.
    if (request.variables !== undefined && request.variables !== null && (typeof request.variables !== 'object' || Array.isArray(request.variables))) {
      return refusal(400, 'variables must be a JSON object', 'BAD_REQUEST');
    }
    const coerced = getVariableValues(engine.apiGraphQLSchema, op.variableDefinitions ?? [], (request.variables ?? {}) as Record<string, unknown>, { maxErrors: 10 });
    if (coerced.errors) return { status: 400, errors: coerced.errors.map((e) => ({ message: e.message, extensions: { code: 'BAD_USER_INPUT' } })) };
    return { document, operation: op.operation };
  };

  /** Charges one operation to the HTTP budgets; the formatted refusal when one is spent. */
  const charge = async (who: { ip?: string | null; apiKey?: string | undefined; userId?: string | undefined }): Promise<GraphQLFormattedError | null> => {
    const refused = options.rateLimits ? await options.rateLimits.charge(who) : null;
    return refused ? options.formatError(refused.toJSON(), refused) : null;
  };

  const formatErrors = (error: unknown): GraphQLFormattedError[] => {
    if (error instanceof GraphQLError) return [withoutHttp(options.formatError(error.toJSON(), error))];
    log.error('subscription failed', { error });
    return [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }];
  };

  const sameRoles = (a: Viewer | null, b: Viewer | null) =>
    a?.userId === b?.userId && JSON.stringify(Object.entries(a?.memberships ?? {}).sort()) === JSON.stringify(Object.entries(b?.memberships ?? {}).sort());

  /**
   * Every watched socket's re-check runs once per authRecheckMs, from one timer for them all: the
   * sockets are spread over RECHECK_SLOTS slots and each tick checks one slot, so the look-ups
   * (batched by the identity verifier) come in even waves instead of 10,000 timers of their own.
   */
  const rechecks = new RecheckWheel(options.authRecheckMs);
  /**
   * Watches a live principal: the callback fires once when the token expires, the session ends
   * (sign-out, revocation) or the roles change (a removed membership must stop events at once).
   */
  const watch = (authorization: string | undefined, clientIp: string | null, principal: Principal, onLost: (loss: Loss) => void) => {
    let fired = false;
    const fire = (loss: Loss) => {
      if (fired) return;
      fired = true;
      stop();
      onLost(loss);
    };
    const expiry = principal.expiresAt ? setTimeout(() => fire(LOSSES.TOKEN_EXPIRED), Math.min(2 ** 31 - 1, Math.max(0, principal.expiresAt.getTime() - Date.now()))) : undefined;
    const recheck = principal.viewer
      ? async () => {
          try {
            const now = await authenticate(authorization, clientIp);
            if (!sameRoles(now.viewer, principal.viewer)) fire(LOSSES.AUTHORIZATION_CHANGED);
          } catch (error) {
            // A revoked or expired API key ends the socket as a signed-out session does.
            const lost = lostAs(error);
            if (lost) fire(lost);
          }
        }
      : undefined;
    if (recheck) rechecks.add(recheck);
    const stop = () => {
      if (expiry) clearTimeout(expiry);
      if (recheck) rechecks.remove(recheck);
    };
    return stop;
  };

  // ---- graphql-ws -------------------------------------------------------------------------
  const allowsUpgrade = options.allowsUpgrade ?? (() => true);
  const wsServer = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    maxPayload: options.maxMessageBytes,
    // A browser opens a WebSocket to any origin (no CORS): the allow-list is applied here.
    verifyClient: ({ req }, done) => {
      if (allowsUpgrade(req)) return done(true);
      const body = JSON.stringify({ errors: [{ message: `The origin ${req.headers.origin} is not allowed to call this gateway (CORS_ORIGINS)`, extensions: { code: 'ORIGIN_NOT_ALLOWED' } }] });
      done(false, 403, body, { 'Content-Type': 'application/json; charset=utf-8' });
    },
  });
  interface SocketState extends Principal {
    authorization: string | undefined;
    clientIp: string | null;
    apiKey: string | undefined;
    active: number;
    unwatch: () => void;
    /** Operations waiting to be accepted, by id: a `complete` from the client ends the wait. */
    waiting: Map<string, () => void>;
  }
  const sockets = new WeakMap<WebSocket, SocketState>();
  // A message over maxPayload makes ws close the socket with 1009 and then emit 'error', which
  // graphql-ws reports to the console as an internal error: any client could flood the logs so.
  // This listener runs before graphql-ws's (registered first) and keeps that error to one warning.
  wsServer.on('connection', (socket) => {
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'error' && (args[0] as { code?: unknown } | undefined)?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        log.warn('graphql-ws message over the size limit; connection closed with 1009', { maxMessageBytes: options.maxMessageBytes });
        return true;
      }
      return emit(event, ...args);
    }) as typeof socket.emit;
  });
  // Each subscription's way to cut its connection off (see SubscribeRequest.onSlowConsumer).
  const slowConsumerHooks = new WeakMap<GatewayContext, () => void>();
  // The socket each operation came on: an operation whose socket closed while it was being
  // checked opens nothing, and one waiting to be accepted stops waiting when it closes.
  const operationOf = new WeakMap<GatewayContext, { socket: WebSocket; id: string; waiting: Map<string, () => void>; subscriptions: Record<string, unknown> }>();
  const cutOff = (socket: WebSocket) => () => {
    if (socket.readyState === socket.OPEN) socket.close(CLOSE.SLOW_CONSUMER, 'Slow consumer');
  };

  const disposable = useServer<Record<string, unknown>>(
    {
      schema: () => engine.apiGraphQLSchema,
      isProd: true,
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const authorization = typeof raw === 'string' ? raw : undefined;
        const clientIp = clientIpOf(ctx.extra.request);
        let principal: Principal;
        try {
          principal = await authenticate(authorization, clientIp);
        } catch (error) {
          // A refused connection costs its address (and key) what a refused HTTP request does.
          await charge({ ip: clientIp, apiKey: presentedApiKey(authorization, ctx.extra.request.headers[API_KEY_HEADER]) });
          // API key refusals say which (the close reason is the catalogued code); anything else stays 'Unauthenticated'.
          const lost = lostAs(error);
          // The lookup itself failed (the user subgraph is down or overloaded): nothing says the
          // credentials are bad, so the client is told to retry (1013) rather than to sign in again.
          if (!lost && (!isAppError(error) || error.extensions.code === 'SUBGRAPH_UNAVAILABLE')) {
            log.warn('subscription authentication unavailable', { error: (error as Error)?.message });
            ctx.extra.socket.close(CLOSE.TRY_AGAIN_LATER, 'Try again later');
            return false;
          }
          // At connect there was no session yet to end: a refused token is 'Unauthenticated'.
          ctx.extra.socket.close(lost?.close ?? CLOSE.UNAUTHENTICATED, lost && lost !== LOSSES.SESSION_ENDED ? lost.reason : 'Unauthenticated');
          return false;
        }
        const socket = ctx.extra.socket;
        const unwatch = watch(authorization, clientIp, principal, (loss) => socket.close(loss.close, loss.reason));
        const waiting = new Map<string, () => void>();
        sockets.set(socket, {
          ...principal,
          authorization,
          clientIp,
          apiKey: presentedApiKey(authorization, ctx.extra.request.headers[API_KEY_HEADER]),
          active: 0,
          unwatch,
          waiting,
        });
        // graphql-ws has no hook for a `complete` that arrives while an operation is still being
        // started: read it here, only while something waits, so the wait ends at once.
        socket.on('message', (raw) => {
          if (waiting.size === 0) return;
          const text = String(raw);
          if (!text.includes('complete')) return;
          try {
            const message = JSON.parse(text) as { type?: unknown; id?: unknown };
            if (message.type === 'complete' && typeof message.id === 'string') waiting.get(message.id)?.();
          } catch {
            // not JSON: graphql-ws closes the socket for it
          }
        });
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const state = sockets.get(ctx.extra.socket);
        if (!state) return [new GraphQLError('Not connected', { extensions: { code: 'UNAUTHENTICATED' } })];
        // Every operation on the socket draws on the budgets an HTTP request would, before parsing.
        // A refusal is an error message for this operation; the connection stays open.
        const limited = await charge({ ip: state.clientIp, apiKey: state.apiKey, userId: userOf(state.viewer) });
        if (limited) return asGraphQLErrors([limited]);
        const prepared = prepare(payload);
        if ('errors' in prepared) return asGraphQLErrors(prepared.errors);
        // Checked and reserved in one synchronous step after the last await: subscribes pipelined
        // on one socket cannot all pass the check before any of them counts. onOperation or the
        // guard gives the place back.
        if (prepared.operation === 'subscription') {
          if (state.active >= options.maxSubscriptionsPerConnection) {
            return [new GraphQLError(`At most ${options.maxSubscriptionsPerConnection} subscriptions per connection`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
          }
          state.active++;
        }
        const contextValue: GatewayContext = { viewer: state.viewer, requestId: randomUUID(), clientIp: state.clientIp };
        slowConsumerHooks.set(contextValue, cutOff(ctx.extra.socket));
        operationOf.set(contextValue, { socket: ctx.extra.socket, id, waiting: state.waiting, subscriptions: ctx.subscriptions });
        return { schema: engine.apiGraphQLSchema, document: prepared.document, variableValues: payload.variables ?? {}, operationName: payload.operationName ?? null, contextValue };
      },
      subscribe: async (args) => {
        const context = args.contextValue as GatewayContext;
        const operation = operationOf.get(context);
        // Closed, or completed by the client, while onSubscribe awaited its checks: graphql-ws
        // discards the answer anyway, so nothing is opened upstream for it.
        if (operation && (operation.socket.readyState !== operation.socket.OPEN || !(operation.id in operation.subscriptions))) return { errors: [new GraphQLError('The connection closed', { extensions: { code: 'BAD_REQUEST' } })] };
        let iterator: EngineSubscription;
        try {
          iterator = engine.subscribe({
            document: args.document,
            operationName: args.operationName,
            variables: (args.variableValues ?? {}) as Record<string, unknown>,
            context,
            onSlowConsumer: slowConsumerHooks.get(context),
          });
        } catch (error) {
          return { errors: asGraphQLErrors(formatErrors(error)) };
        }
        // Accepted once the upstream is live: events committed from then on all arrive. A socket
        // that closes, or a `complete` for this id, stops the wait (graphql-ws then returns the
        // iterator at once, and a topic nobody else joined closes before its upstream is live).
        if (operation) await untilAcceptedOrGone(iterator.accepted, operation);
        else await iterator.accepted;
        return iterator;
      },
      execute: async (args) =>
        options.executeOperation(
          { query: printDocument(args.document), variables: (args.variableValues ?? {}) as Record<string, unknown>, operationName: args.operationName ?? undefined },
          args.contextValue as GatewayContext,
        ),
      onOperation: (ctx, _id, _payload, args, result) => {
        const state = sockets.get(ctx.extra.socket);
        if (!state) return result;
        const reserved = getOperationAST(args.document, args.operationName)?.operation === 'subscription';
        if (!isAsyncIterator(result)) {
          if (reserved) state.active--;
          return result;
        }
        return guard(result as unknown as AsyncIterableIterator<ExecutionResult>, {
          onSlowConsumer: cutOff(ctx.extra.socket),
          onEnd: () => state.active--,
          formatErrors,
        });
      },
      onClose: (ctx) => {
        sockets.get(ctx.extra.socket)?.unwatch();
      },
    },
    wsServer,
    options.heartbeatMs,
  );

  // ---- SSE and multipart HTTP ---------------------------------------------------------------
  const streamKind = (req: express.Request) => {
    if (req.method !== 'GET' && req.method !== 'POST') return null;
    const accept = String(req.headers.accept ?? '');
    if (accept.includes('text/event-stream')) return 'sse';
    if (/multipart\/mixed/i.test(accept) && /subscriptionSpec/i.test(accept)) return 'multipart';
    return null;
  };
  const parseJson = express.json({ limit: options.maxBodyBytes });
  // How to end each open SSE or multipart stream with a final error (a reload ends them all).
  const streams = new Set<(error: GraphQLFormattedError) => void>();
  // Only requests that ask for a stream are parsed here; every other request reaches the HTTP
  // pipeline (its size cap, protection and Apollo Server) untouched.
  options.app.use('/graphql', (req, res, next) => (streamKind(req) ? parseJson(req, res, next) : next()), async (req, res, next) => {
    const kind = streamKind(req);
    if (!kind) return next();
    const sse = kind === 'sse';
    // One order on every transport, the HTTP pipeline's: the address and API key are charged
    // before anything else is looked at (so a request refused at parsing or authentication costs
    // what it costs over HTTP), the user once authenticated.
    const who = { ip: req.ip ?? req.socket.remoteAddress ?? null, apiKey: presentedApiKey(req.headers.authorization, req.get(API_KEY_HEADER)) };
    const early = await charge(who);
    if (early) {
      res.set('Retry-After', String(early.extensions?.retryAfterSeconds ?? 1));
      return void res.status(429).json({ errors: [early] });
    }
    markCharged(req);
    const params = (req.method === 'GET' ? req.query : req.body) as { query?: unknown; variables?: unknown; operationName?: unknown; extensions?: unknown } | undefined;
    let variables: Record<string, unknown> = {};
    try {
      const raw = params?.variables;
      variables = typeof raw === 'string' ? JSON.parse(raw) : ((raw as Record<string, unknown> | undefined) ?? {});
    } catch {
      return void res.status(400).json({ errors: refusal(400, 'variables must be a JSON object', 'BAD_REQUEST').errors });
    }
    let extensions = params?.extensions;
    if (typeof extensions === 'string') {
      try {
        extensions = JSON.parse(extensions);
      } catch {
        return void res.status(400).json({ errors: refusal(400, 'extensions must be a JSON object', 'BAD_REQUEST').errors });
      }
    }
    const prepared = prepare({ query: params?.query, variables, extensions, operationName: params?.operationName });
    if ('errors' in prepared) return void res.status(prepared.status).json({ errors: prepared.errors });
    // Queries and mutations go to Apollo Server (and its rate limits) unless only a stream is
    // acceptable: graphql-sse asks for `text/event-stream` alone and expects one `next`, then `complete`.
    const single = prepared.operation !== 'subscription';
    if (single && (!sse || acceptsJson(req))) return next();
    if (single && req.method === 'GET' && prepared.operation === 'mutation') {
      res.set('Allow', 'POST');
      return void res.status(405).json({ errors: refusal(405, 'Mutations are sent with POST', 'BAD_REQUEST').errors });
    }
    let principal: Principal;
    try {
      principal = await authenticate(req.headers.authorization, req.ip ?? null);
    } catch (error) {
      // The shape and status a plain HTTP request gets for the same credentials (docs/protocols/subscriptions.md).
      const said = isAppError(error) ? (error.extensions.http as { status?: number } | undefined)?.status : undefined;
      const status = said ?? (isAppError(error) && error.extensions.code === 'IP_NOT_ALLOWED' ? 403 : isAppError(error) ? 401 : 500);
      return void res.status(status).json({ errors: formatErrors(error) });
    }
    const limited = await charge({ userId: userOf(principal.viewer) });
    if (limited) {
      res.set('Retry-After', String(limited.extensions?.retryAfterSeconds ?? 1));
      return void res.status(429).json({ errors: [limited] });
    }
    if (single) {
      const context: GatewayContext = { viewer: principal.viewer, requestId: randomUUID(), clientIp: req.ip ?? null };
      let result: ExecutionResult;
      try {
        result = await options.executeOperation(
          { query: printDocument(prepared.document), variables, operationName: typeof params?.operationName === 'string' ? params.operationName : undefined },
          context,
        );
      } catch (error) {
        result = { errors: asGraphQLErrors(formatErrors(error)) };
      }
      if (res.destroyed) return;
      const write = sseWriter(res);
      write.next(result, undefined);
      return write.end();
    }
    // SSE reconnects send the last id they saw; it resumes the stream through the `after` variable.
    const lastEventId = req.headers['last-event-id'];
    if (sse && typeof lastEventId === 'string' && declaresVariable(prepared.document, 'after')) variables = { ...variables, after: lastEventId };
    const context: GatewayContext = { viewer: principal.viewer, requestId: randomUUID(), clientIp: req.ip ?? null };
    let iterator: EngineSubscription;
    try {
      iterator = engine.subscribe({
        document: prepared.document,
        operationName: typeof params?.operationName === 'string' ? params.operationName : undefined,
        variables,
        context,
        // The loop below may be waiting for the peer to drain: end the stream from here.
        onSlowConsumer: () => {
          write.error([{ message: 'This subscriber fell too far behind and was cut off', extensions: { code: 'SLOW_CONSUMER' } }]);
          end();
        },
      });
    } catch (error) {
      return void res.status(400).json({ errors: formatErrors(error) });
    }
    // The response headers tell the client it is subscribed: sent once the upstream is live, so
    // every event committed after they arrive is delivered. A client gone meanwhile ends it here.
    const gone = () => void iterator.return?.();
    res.on('close', gone);
    await iterator.accepted;
    res.off('close', gone);
    if (res.destroyed || res.writableEnded) return void iterator.return?.();

    const write = sse ? sseWriter(res) : multipartWriter(res);
    let ended = false;
    const endWith = (error: GraphQLFormattedError) => {
      write.error([error]);
      end();
    };
    streams.add(endWith);
    const end = () => {
      if (ended) return;
      ended = true;
      streams.delete(endWith);
      clearInterval(heartbeat);
      unwatch();
      void iterator.return?.();
      write.end();
    };
    const heartbeat = setInterval(() => write.heartbeat(), options.heartbeatMs);
    const unwatch = watch(req.headers.authorization, req.ip ?? null, principal, (loss) => {
      write.error([{ message: loss.reason, extensions: { code: loss.code } }]);
      end();
    });
    res.on('close', end);
    // Backpressure: while the peer does not read, the response's buffer stays full, no event is
    // pulled and they wait in the engine's bounded queue, which cuts the subscriber off when it
    // overflows. Writing without waiting would buffer every event in memory instead.
    const drained = () =>
      new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    try {
      for (;;) {
        const { value, done } = await iterator.next();
        if (done || ended) break;
        if (!write.next(value, cursorOf(value))) await drained();
      }
    } catch (error) {
      if (!ended) write.error(formatErrors(error));
    }
    end();
  });

  return {
    /**
     * Serves operations with `next` from now on and ends every open subscription, since each was
     * planned on the schema being replaced: graphql-ws connections close with 4503, SSE and
     * multipart streams end with a SCHEMA_RELOADED error. Clients resubscribe on either.
     */
    reload: (next: SubscriptionEngine) => {
      engine = next;
      for (const client of wsServer.clients) client.close(CLOSE.SCHEMA_RELOADED, 'Schema reloaded');
      for (const endWith of [...streams]) endWith({ message: 'The gateway loaded a new schema; resubscribe', extensions: { code: 'SCHEMA_RELOADED' } });
    },
    close: async () => {
      for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      rechecks.close();
    },
  };
}

const RECHECK_SLOTS = 20;

/**
 * Periodic checks on one timer: each check lands in the emptiest slot and runs once per period,
 * when the wheel reaches its slot (one tick every period / RECHECK_SLOTS). The timer runs only
 * while there is something to check, and never keeps the process alive.
 */
export class RecheckWheel {
  private readonly slots: Set<() => Promise<void>>[] = Array.from({ length: RECHECK_SLOTS }, () => new Set());
  private readonly slotOf = new Map<() => Promise<void>, Set<() => Promise<void>>>();
  private next = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly periodMs: number) {}

  add(check: () => Promise<void>): void {
    let emptiest = this.slots[0]!;
    for (const slot of this.slots) if (slot.size < emptiest.size) emptiest = slot;
    emptiest.add(check);
    this.slotOf.set(check, emptiest);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(this.periodMs / RECHECK_SLOTS)));
      this.timer.unref();
    }
  }

  remove(check: () => Promise<void>): void {
    this.slotOf.get(check)?.delete(check);
    this.slotOf.delete(check);
    if (this.slotOf.size === 0) this.close();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const slot = this.slots[this.next]!;
    this.next = (this.next + 1) % RECHECK_SLOTS;
    // Each check handles its own failures (it closes its socket or keeps it); none can stop the wheel.
    for (const check of [...slot]) void check().catch(() => {});
  }
}

function untilAcceptedOrGone(accepted: Promise<void>, operation: { socket: WebSocket; id: string; waiting: Map<string, () => void> }): Promise<void> {
  const { socket, id, waiting } = operation;
  return new Promise<void>((resolve) => {
    const done = () => {
      socket.off('close', done);
      if (waiting.get(id) === done) waiting.delete(id);
      resolve();
    };
    socket.once('close', done);
    waiting.set(id, done);
    void accepted.then(done);
  });
}

/** graphql-sse's single-connection mode names its reserved stream in this header. */
const STREAM_TOKEN_HEADER = 'x-graphql-event-stream-token';

/**
 * GraphQL over SSE's single-connection mode (a PUT reserves a stream, operations then name its
 * token) is not offered: refused with its own code before any other path (the lean one
 * included) could take such a request for something else. True when it answered.
 */
export function refuseSseSingleConnection(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/graphql' || (req.method !== 'PUT' && req.headers[STREAM_TOKEN_HEADER] === undefined)) return false;
  req.resume();
  const { errors } = refusal(405, "GraphQL over SSE's single-connection mode is not offered; use distinct connections (graphql-sse's default, singleConnection: false)", 'SSE_SINGLE_CONNECTION_UNSUPPORTED');
  const body = JSON.stringify({ errors });
  res.writeHead(405, { allow: 'GET, POST', 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}

/** Whether the request takes a JSON answer (urql lists `text/event-stream` after the JSON types). */
function acceptsJson(req: express.Request): boolean {
  return /application\/(?:graphql-response\+)?json/i.test(String(req.headers.accept ?? ''));
}

/** `extensions.http` is how a resolver sets the HTTP status; Apollo Server takes it out of the body, and so does every transport here. */
function withoutHttp(error: GraphQLFormattedError): GraphQLFormattedError {
  if (!error.extensions || !('http' in error.extensions)) return error;
  const { http: _http, ...extensions } = error.extensions;
  return { ...error, extensions };
}

/** The `cursor` a subscription's root field selected, if any: SSE sends it as the event id. */
function cursorOf(result: ExecutionResult): string | undefined {
  const root = result.data ? Object.values(result.data)[0] : undefined;
  const cursor = root && typeof root === 'object' ? (root as { cursor?: unknown }).cursor : undefined;
  return typeof cursor === 'string' ? cursor : undefined;
}

function declaresVariable(document: DocumentNode, name: string) {
  return document.definitions.some((d) => d.kind === 'OperationDefinition' && d.variableDefinitions?.some((v) => v.variable.name.value === name));
}

function isAsyncIterator(value: unknown): value is AsyncIterator<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterator<unknown>).next === 'function';
}

/**
 * Wraps a subscription's iterator for the socket: SLOW_CONSUMER closes the connection with its
 * code; any other failure becomes a final error result; the per-connection count goes down once.
 */
function guard(
  source: AsyncIterableIterator<ExecutionResult>,
  hooks: { onSlowConsumer: () => void; onEnd: () => void; formatErrors: (error: unknown) => GraphQLFormattedError[] },
): AsyncIterableIterator<ExecutionResult> {
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    hooks.onEnd();
  };
  let pendingError: ExecutionResult | null = null;
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      if (pendingError) {
        const value = pendingError;
        pendingError = null;
        return { value, done: false };
      }
      if (finished) return { value: undefined, done: true };
      try {
        const step = await source.next();
        if (step.done) finish();
        return step;
      } catch (error) {
        finish();
        if (isAppError(error) && error.extensions.code === 'SLOW_CONSUMER') {
          hooks.onSlowConsumer();
          return { value: undefined, done: true };
        }
        return { value: { errors: asGraphQLErrors(hooks.formatErrors(error)) }, done: false };
      }
    },
    async return() {
      finish();
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error) {
      finish();
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

function sseWriter(res: express.Response) {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  const send = (chunk: string) => res.writableEnded || res.write(chunk);
  return {
    next: (value: ExecutionResult, id: string | undefined) => send(`${id ? `id: ${id}\n` : ''}event: next\ndata: ${JSON.stringify(value)}\n\n`),
    error: (errors: GraphQLFormattedError[]) => send(`event: next\ndata: ${JSON.stringify({ errors })}\n\n`),
    heartbeat: () => send(':\n\n'),
    end: () => {
      if (!res.writableEnded) res.end('event: complete\ndata:\n\n');
    },
  };
}

/**
 * Apollo's multipart subscription framing. A reader (Apollo Client's among them) hands a part over
 * only once it sees the delimiter after it, so every part is written with its closing delimiter:
 * the opening one goes out with the headers, and each part ends with `\r\n--graphql`. A part
 * written as `delimiter, headers, body` (as before) waits in the client until the next write,
 * up to a heartbeat later.
 */
function multipartWriter(res: express.Response) {
  res.writeHead(200, { 'content-type': 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write('\r\n--graphql');
  const part = (body: unknown) => res.writableEnded || res.write(`\r\ncontent-type: application/json\r\n\r\n${JSON.stringify(body)}\r\n--graphql`);
  return {
    next: (value: ExecutionResult) => part({ payload: value }),
    // Transport-level errors end the subscription (Apollo's protocol: payload null + errors).
    error: (errors: GraphQLFormattedError[]) => part({ payload: null, errors }),
    heartbeat: () => part({}),
    end: () => {
      // The last part already wrote the delimiter: `--` makes it the closing one.
      if (!res.writableEnded) res.end('--\r\n');
    },
  };
}

function printDocument(document: DocumentNode) {
  return document.loc?.source.body ?? JSON.stringify(document);
}
