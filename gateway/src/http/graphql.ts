import { createHash } from 'node:crypto';
import type http from 'node:http';
// Calls ApolloGateway's executor and copies Apollo Server internals: listed in ../apollo/internals.ts.
import type { ApolloGateway } from '@apollo/gateway';
import { apolloLogger, type Logger } from '@organoise/core';
import type express from 'express';
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import type { GatewayContext } from '../context.js';

/**
 * The hot path of the gateway: a POST of a JSON body to exactly `/graphql` that runs a query.
 *
 * Apollo Server's request pipeline (over express) costs a share of every request that the
 * federation benchmark showed worth saving: the express router, a header map per request, plugin
 * hooks, a second JSON copy of each answer. This path does only what such a request needs and
 * keeps every protection the full pipeline applies, by running the very same pieces:
 *
 * - the same express handlers before and after the body (rate limits, JSON-only bodies, no
 *   batches, the safelist), on a request and response given express's prototypes as express does;
 * - the same size cap and JSON parsing rules as `express.json` (strict, UTF-8), refused with the
 *   same answers as the gateway's error handler;
 * - the same context function (identity, per-user rate limit);
 * - the same validation rules (graphql-js's and the protection limits) and parse options (token
 *   cap), and the same error formatter (masking, codes).
 *
 * Anything unusual goes on to Apollo Server unchanged, with the body already read and the context
 * already made: persisted-query ids, mutations and subscriptions, documents that do not parse or
 * validate, failed context creation, any `Accept` but JSON, query-plan debugging headers, a
 * variables refusal. So every refusal is Apollo Server's own. Requests that are not a plain JSON
 * POST to /graphql (GET, other encodings, streams, other routes) never come here.
 *
 * The documents that passed are kept (keyed by operation name and text) until the schema changes,
 * so a repeated operation is parsed and validated once, as Apollo Server's document store does.
 */
export interface LeanGraphQLOptions {
  app: express.Express;
  gateway: ApolloGateway;
  /** Express handlers run before the body is read (rate limits, content type). */
  beforeBody: express.RequestHandler[];
  /** Express handlers run once `req.body` is set (batches, safelist). */
  afterBody: express.RequestHandler[];
  /** Apollo Server's express handler: serves what this path does not. */
  apollo: express.RequestHandler;
  /** The express error handler the route's errors go to. */
  onError: express.ErrorRequestHandler;
  context(req: express.Request): Promise<GatewayContext>;
  validationRules: ValidationRule[];
  maxTokens: number;
  maxBodyBytes: number;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  log: Logger;
}

export interface LeanGraphQL {
  /** Whether this path takes the request (decided on its head alone). */
  accepts(req: http.IncomingMessage): boolean;
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
  /** The context made for a request this path handed on to Apollo Server. */
  contextOf(req: express.Request): Promise<GatewayContext> | undefined;
}

interface ReadyDocument {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  queryHash: string;
}

// Bounded by count and by the text kept (Apollo Server's own document store is a ~30 MiB LRU):
// past either, the cache starts over. A document larger than MAX_DOCUMENT_CHARS is never kept.
const MAX_DOCUMENTS = 1000;
const MAX_CACHED_CHARS = 32 * 1024 * 1024;
const MAX_DOCUMENT_CHARS = 1024 * 1024;
const JSON_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
// Accept headers Apollo Server answers with `application/json; charset=utf-8`.
const JSON_ACCEPTS = new Set(['', '*/*', 'application/json', 'application/json, */*']);
const CONTENT_TYPE = 'application/json; charset=utf-8';
const QUERY_PLAN_HEADER = 'apollo-query-plan-experimental';

type Body = Record<string, unknown>;

export function leanGraphQL(options: LeanGraphQLOptions): LeanGraphQL {
  let schema: GraphQLSchema | null = null;
  const documents = new Map<string, ReadyDocument | null>();
  let cachedChars = 0;
  options.gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    schema = apiSchema;
    documents.clear();
    cachedChars = 0;
  });
  const contexts = new WeakMap<express.Request, Promise<GatewayContext>>();
  const rules = [...specifiedRules, ...options.validationRules];
  const logger = apolloLogger(options.log);

  const accepts = (req: http.IncomingMessage) => {
    if (req.method !== 'POST' || req.url !== '/graphql') return false;
    const headers = req.headers;
    if (!JSON_TYPE.test(headers['content-type'] ?? '')) return false;
    if (headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity') return false;
    // Chunked bodies take express's path (its reader enforces the cap on the fly).
    const length = headers['content-length'];
    if (length === undefined || Number(length) > options.maxBodyBytes) return false;
    if (!JSON_ACCEPTS.has(headers.accept ?? '')) return false;
    return headers[QUERY_PLAN_HEADER] === undefined;
  };

  const ready = (query: string, operationName: string | undefined): ReadyDocument | null => {
    // Length-prefixed: no operation name and query can spell another pair's key.
    const key = operationName === undefined ? `-\n${query}` : `${operationName.length}:${operationName}\n${query}`;
    const known = documents.get(key);
    if (known !== undefined) return known;
    let entry: ReadyDocument | null = null;
    try {
      const document = parse(query, { maxTokens: options.maxTokens });
      if (validate(schema!, document, rules).length === 0) {
        const operation = getOperationAST(document, operationName);
        if (operation?.operation === 'query') entry = { document, operation, queryHash: createHash('sha256').update(query).digest('hex') };
      }
    } catch {
      // Apollo Server parses it again and answers with its own error.
    }
    if (key.length > MAX_DOCUMENT_CHARS) return entry;
    if (documents.size >= MAX_DOCUMENTS || cachedChars + key.length > MAX_CACHED_CHARS) {
      documents.clear();
      cachedChars = 0;
    }
    documents.set(key, entry);
    cachedChars += key.length;
    return entry;
  };

  const serve = async (req: express.Request, res: express.Response) => {
    if (!(await runHandlers(options.beforeBody, req, res))) return;
    const text = await readBody(req);
    if (res.writableEnded) return;
    let body: unknown;
    try {
      body = parseStrictJson(text);
    } catch (error) {
      return options.onError(error, req, res, () => {});
    }
    req.body = body;
    if (!(await runHandlers(options.afterBody, req, res))) return;

    const context = options.context(req);
    context.catch(() => {}); // observed by whoever reads it below
    const fast = schema && isPlainQuery(body as Body) ? ready((body as Body).query as string, ((body as Body).operationName as string | null) ?? undefined) : null;
    if (!fast) return handOn(req, res, context);
    let contextValue: GatewayContext;
    try {
      contextValue = await context;
    } catch {
      return handOn(req, res, context);
    }
    const { variables, operationName } = body as { variables?: Record<string, unknown> | null; operationName?: string | null };
    const cachePolicy = newCachePolicy();
    const requestContext = {
      request: { query: (body as Body).query as string, operationName: operationName ?? undefined, variables: variables ?? undefined },
      response: { http: { headers: new Map<string, string>(), status: undefined } },
      logger,
      schema: schema!,
      context: contextValue,
      queryHash: fast.queryHash,
      document: fast.document,
      source: (body as Body).query as string,
      operationName: fast.operation.name?.value ?? null,
      operation: fast.operation,
      metrics: {},
      debug: false,
      overallCachePolicy: cachePolicy,
      requestIsBatched: false,
    };
    let status = 200;
    let result: { data?: unknown; errors?: readonly unknown[]; extensions?: unknown };
    try {
      result = await options.gateway.executor(requestContext as never);
    } catch (error) {
      const formatted = formatErrors([error], options.formatError);
      return send(res, formatted.status ?? 500, 'no-store', { errors: formatted.errors });
    }
    // A refusal before anything ran (the variables do not fit the operation): Apollo Server words it.
    if (result.errors?.length && result.data === undefined) return handOn(req, res, context);
    let errors: GraphQLFormattedError[] | undefined;
    if (result.errors?.length) {
      const formatted = formatErrors(result.errors, options.formatError);
      errors = formatted.errors;
      if (formatted.status) status = formatted.status;
    }
    const cacheable = !errors && cachePolicy.policyIfCacheable();
    send(res, status, cacheable ? `max-age=${cacheable.maxAge}, ${cacheable.scope.toLowerCase()}` : 'no-store', { errors, data: result.data, extensions: result.extensions });
  };

  const handOn = (req: express.Request, res: express.Response, context: Promise<GatewayContext>) => {
    contexts.set(req, context);
    return options.apollo(req, res, (error?: unknown) => {
      if (error) options.onError(error, req, res, () => {});
    });
  };

  return {
    accepts,
    contextOf: (req) => contexts.get(req),
    handle(rawReq, rawRes) {
      // What express's own app.handle does first: its request and response methods (req.ip honours
      // `trust proxy` as the app is set).
      const req = rawReq as express.Request;
      const res = rawRes as express.Response;
      (req as { res?: express.Response }).res = res;
      (res as { req?: express.Request }).req = req;
      Object.setPrototypeOf(req, options.app.request);
      Object.setPrototypeOf(res, options.app.response);
      if (!res.locals) res.locals = Object.create(null);
      serve(req, res).catch((error: unknown) => {
        if (res.headersSent) {
          options.log.error('graphql request failed after its answer began', { error });
          res.destroy();
        } else options.onError(error, req, res, () => {});
      });
    },
  };
}

/** POST bodies the fast path runs; anything else is Apollo Server's to judge. */
function isPlainQuery(body: Body): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { query, operationName, variables, extensions } = body;
  if (typeof query !== 'string' || query.length === 0) return false;
  if (operationName != null && typeof operationName !== 'string') return false;
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return false;
  if (extensions != null && (typeof extensions !== 'object' || Array.isArray(extensions) || 'persistedQuery' in extensions)) return false;
  return true;
}

function send(res: http.ServerResponse, status: number, cacheControl: string, result: { errors?: unknown; data?: unknown; extensions?: unknown }) {
  // Apollo Server's field order (errors, data, extensions) and its trailing newline.
  const text = `${JSON.stringify({ errors: result.errors, data: result.data, extensions: result.extensions })}\n`;
  res.writeHead(status, { 'content-type': CONTENT_TYPE, 'cache-control': cacheControl, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Runs express handlers in order; false once one of them answered instead of passing on. */
async function runHandlers(handlers: express.RequestHandler[], req: express.Request, res: express.Response): Promise<boolean> {
  for (const handler of handlers) {
    const passed = await new Promise<boolean>((resolve, reject) => {
      const answered = () => resolve(false);
      res.once('finish', answered);
      res.once('close', answered);
      const done = (error?: unknown) => {
        res.off('finish', answered);
        res.off('close', answered);
        if (error) reject(error);
        else resolve(true);
      };
      try {
        const returned = handler(req, res, done) as unknown;
        if (returned instanceof Promise) returned.catch(done);
      } catch (error) {
        done(error);
      }
    });
    if (!passed) return false;
  }
  return true;
}

/** Error shaped like body-parser's, so the gateway's error handler answers as it does for express.json. */
const httpError = (status: number, message: string) => Object.assign(new Error(message), { status, expose: status < 500 });

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.once('error', (error) => reject(httpError(400, error.message)));
  });
}

/** body-parser's json in strict mode: empty is `{}`, a leading BOM is dropped, only objects and arrays. */
function parseStrictJson(text: string): unknown {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (source.length === 0) return {};
  const first = /^[\x20\x09\x0a\x0d]*(.)/.exec(source)?.[1];
  if (first !== '{' && first !== '[') throw httpError(400, 'strict JSON: not an object or array');
  try {
    return JSON.parse(source);
  } catch {
    throw httpError(400, 'invalid JSON');
  }
}

type CacheHint = { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' };

/** Apollo Server's overall cache policy (a subgraph's Cache-Control restricts it), as its cache-control plugin reads it. */
function newCachePolicy() {
  return {
    maxAge: undefined as number | undefined,
    scope: undefined as CacheHint['scope'],
    restrict(hint: CacheHint) {
      if (hint.maxAge !== undefined && (this.maxAge === undefined || hint.maxAge < this.maxAge)) this.maxAge = hint.maxAge;
      if (hint.scope !== undefined && this.scope !== 'PRIVATE') this.scope = hint.scope;
    },
    replace(hint: CacheHint) {
      if (hint.maxAge !== undefined) this.maxAge = hint.maxAge;
      if (hint.scope !== undefined) this.scope = hint.scope;
    },
    policyIfCacheable() {
      if (this.maxAge === undefined || this.maxAge === 0) return null;
      return { maxAge: this.maxAge, scope: this.scope ?? 'PUBLIC' };
    },
  };
}

/** Apollo Server's normalizeAndFormatErrors (not exported): a code on every error, `extensions.http` taken out, then the formatter. */
function formatErrors(errors: readonly unknown[], formatError: LeanGraphQLOptions['formatError']): { errors: GraphQLFormattedError[]; status?: number } {
  let status: number | undefined;
  const formatted = errors.map((error) => {
    try {
      const graphqlError = asGraphQLError(error);
      const extensions: Record<string, unknown> = { ...graphqlError.extensions, code: graphqlError.extensions.code ?? 'INTERNAL_SERVER_ERROR' };
      const http = extensions.http as { status?: number } | undefined;
      if (http && typeof http === 'object') {
        if (http.status) status = http.status;
        delete extensions.http;
      }
      return formatError({ ...graphqlError.toJSON(), extensions }, error);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { errors: formatted, status };
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const cause = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(cause.message, { originalError: cause });
}
