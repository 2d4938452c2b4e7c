import type http from 'node:http';
// Calls ApolloGateway's executor and copies Apollo Server internals: listed in ../apollo/internals.ts.
import type { ApolloGateway } from '@apollo/gateway';
import { apolloLogger, type Logger } from '@organoise/core';
import type express from 'express';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { Formatter } from '../pipeline/answers.js';
import { asGraphQLError } from '../pipeline/gate.js';
import type { HttpEdge } from './http.js';

/**
 * The hot path of the gateway: a POST of a JSON body to exactly `/graphql` that runs a query.
 *
 * Apollo Server's request pipeline (over express) costs a share of every request that the
 * federation benchmark showed worth saving: the express router, a header map per request, plugin
 * hooks, a second JSON copy of each answer. This adapter does only what such a request needs:
 * the HTTP adapter's own handlers (http.ts: head charge, JSON-only bodies, no batches, the gate's
 * admission) around a body reader with `express.json`'s cap and rules, then the admitted document
 * straight to the gateway's executor, answered as Apollo Server answers.
 *
 * Anything unusual goes on to Apollo Server, admitted (its context made) and with the body read:
 * persisted-query ids, mutations and subscriptions, any `Accept` but JSON, query-plan debugging
 * headers. Requests that are not a plain JSON POST to /graphql (GET, other encodings, streams,
 * other routes) never come here.
 */
export interface LeanGraphQLOptions {
  app: express.Express;
  gateway: ApolloGateway;
  edge: HttpEdge;
  /** Apollo Server's express handler: serves what this path does not. */
  apollo: express.RequestHandler;
  formatError: Formatter;
  log: Logger;
}

export interface LeanGraphQL {
  /** Whether this path takes the request (decided on its head alone). */
  accepts(req: http.IncomingMessage): boolean;
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
}

const JSON_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
// Accept headers Apollo Server answers with `application/json; charset=utf-8`.
const JSON_ACCEPTS = new Set(['', '*/*', 'application/json', 'application/json, */*']);
const CONTENT_TYPE = 'application/json; charset=utf-8';
const QUERY_PLAN_HEADER = 'apollo-query-plan-experimental';

type Body = Record<string, unknown>;

export function leanGraphQL(options: LeanGraphQLOptions): LeanGraphQL {
  const { edge } = options;
  let schema: GraphQLSchema | null = null;
  options.gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    schema = apiSchema;
  });
  const logger = apolloLogger(options.log);

  const accepts = (req: http.IncomingMessage) => {
    if (req.method !== 'POST' || req.url !== '/graphql') return false;
    const headers = req.headers;
    if (!JSON_TYPE.test(headers['content-type'] ?? '')) return false;
    if (headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity') return false;
    // Chunked bodies take express's path (its reader enforces the cap on the fly).
    const length = headers['content-length'];
    if (length === undefined || Number(length) > edge.maxBodyBytes) return false;
    if (!JSON_ACCEPTS.has(headers.accept ?? '')) return false;
    return headers[QUERY_PLAN_HEADER] === undefined;
  };

  const serve = async (req: express.Request, res: express.Response) => {
    if (!(await runHandlers(edge.beforeBody, req, res))) return;
    const text = await readBody(req);
    if (res.writableEnded) return;
    let body: unknown;
    try {
      body = parseStrictJson(text);
    } catch (error) {
      return edge.onError(error, req, res, () => {});
    }
    req.body = body;
    if (!(await runHandlers(edge.afterBody, req, res))) return;
    const admitted = edge.admissionOf(req)!;
    if (admitted.operation.operation !== 'query' || !schema || (admitted.extensions && 'persistedQuery' in admitted.extensions)) return handOn(req, res);

    const cachePolicy = newCachePolicy();
    const requestContext = {
      request: { query: admitted.query, operationName: admitted.operationName, variables: (body as Body).variables ?? undefined },
      response: { http: { headers: new Map<string, string>(), status: undefined } },
      logger,
      schema,
      context: admitted.context,
      queryHash: admitted.queryHash,
      document: admitted.document,
      source: admitted.query,
      operationName: admitted.operation.name?.value ?? null,
      operation: admitted.operation,
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
      const formatted = normalizeAndFormatErrors([error], options.formatError);
      return send(res, formatted.status ?? 500, 'no-store', { errors: formatted.errors });
    }
    // A refusal before anything ran: Apollo Server words it.
    if (result.errors?.length && result.data === undefined) return handOn(req, res);
    let errors: GraphQLFormattedError[] | undefined;
    if (result.errors?.length) {
      const formatted = normalizeAndFormatErrors(result.errors, options.formatError);
      errors = formatted.errors;
      if (formatted.status) status = formatted.status;
    }
    const cacheable = !errors && cachePolicy.policyIfCacheable();
    send(res, status, cacheable ? `max-age=${cacheable.maxAge}, ${cacheable.scope.toLowerCase()}` : 'no-store', { errors, data: result.data, extensions: result.extensions });
  };

  const handOn = (req: express.Request, res: express.Response) =>
    options.apollo(req, res, (error?: unknown) => {
      if (error) edge.onError(error, req, res, () => {});
    });

  return {
    accepts,
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
        } else edge.onError(error, req, res, () => {});
      });
    },
  };
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
function normalizeAndFormatErrors(errors: readonly unknown[], formatError: Formatter): { errors: GraphQLFormattedError[]; status?: number } {
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
