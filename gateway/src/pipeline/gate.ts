import { createHash, randomUUID } from 'node:crypto';
import { appError, isApiKeyViewer, observeRefusal, type Viewer } from '@organoise/core';
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import type { IdentityVerifier } from '../auth/identity.js';
import { gatewayClock, type GatewayContext } from '../context.js';
import { depthExceeds, MAX_INPUT_DEPTH } from '../protection/http.js';
import { parseOperation, type OperationLimits } from '../protection/limits.js';
import { presentedApiKey, type RateLimits } from '../protection/rate-limit.js';
import type { Safelist } from '../protection/safelist.js';
import { refusalOf, type Formatter, type Refusal } from './answers.js';

/**
 * The gateway's one request pipeline (issue 12): every transport (HTTP POST and GET, lean or
 * through Apollo Server, graphql-ws, SSE, multipart) hands its request over in this neutral shape
 * and gets back either the operation, checked and ready to run, or the refusal to tell in its
 * own wire format (answers.ts says how). Transports hold no protection logic of their own.
 *
 * One fixed order, cheapest refusals first and nothing recursive before the input is bounded:
 *
 * 1. charge the client address and presented API key (HTTP and SSE charge a request's head before
 *    its body is read: `charged`; a graphql-ws operation is charged here);
 * 2. authenticate (a graphql-ws connection does it once, at connect: `authentication`);
 * 3. charge the signed-in user (an API key has its own budget, charged in 1);
 * 4. read the input: its shape (Apollo Server's rules and words), variables and extensions as
 *    JSON objects no deeper than MAX_INPUT_DEPTH;
 * 5. the persisted-operation safelist (when enforced), before any text is parsed;
 * 6. the operation's text: sent, or named by a listed id;
 * 7. parse, with the token cap;
 * 8. validate: graphql-js's rules and the limits (depth, aliases, directives, cost, introspection);
 * 9. plan what runs: the operation named (OPERATION_RESOLUTION_FAILURE), no mutation over GET,
 *    and the variables coerced to the operation's types (a subgraph never finds them wrong).
 *
 * Steps 7 and 8 are cached per text until the schema changes, so a repeated operation is parsed
 * and validated once, as Apollo Server's document store does.
 */
export type Transport = 'http' | 'graphql-ws' | 'sse' | 'multipart';

/** Who a request's credentials name, and when they stop being valid (a live subscription ends then). */
export interface Authentication {
  viewer: Viewer | null;
  expiresAt: Date | null;
}

export interface EdgeRequest {
  transport: Transport;
  /** GET carries variables and extensions as JSON text in its URL; a socket message is like POST. */
  method: 'GET' | 'POST';
  /** `{ query, operationName, variables, extensions }` as the wire gave them, unchecked. */
  params: unknown;
  authorization: string | undefined;
  /** The legacy `x-api-key` header: counted as an API key's budget, never authenticated. */
  apiKeyHeader: string | undefined;
  clientIp: string | null;
  /** The client's User-Agent header (HTTP only), for the subgraphs: display, never identity. */
  userAgent?: string | undefined;
  /** The id the gateway gave this HTTP request (its access line's); unset: one is made (each operation over a socket). */
  requestId?: string | undefined;
  /** Already charged to its address and API key (step 1 done at the request's head). */
  charged?: boolean;
  /** Already authenticated (step 2 done once for a connection). */
  authentication?: Authentication;
  /** When the request arrived (gatewayClock), if the transport saw it before calling admit; unset: now. */
  arrivedAt?: number | undefined;
}

export interface Admitted {
  ok: true;
  query: string;
  queryHash: string;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName: string | undefined;
  /** As sent (coercion only checked them; execution coerces again). */
  variables: Record<string, unknown>;
  extensions: Record<string, unknown> | undefined;
  authentication: Authentication;
  context: GatewayContext;
}

export type Admission = Admitted | { ok: false; refusal: Refusal };

export interface GateOptions {
  identity: IdentityVerifier | null;
  rateLimits: RateLimits | null;
  /** The list (ids resolve to their bodies whenever it is loaded) and whether only listed operations run. */
  safelist: Safelist | null;
  enforceSafelist: boolean;
  limits: Pick<OperationLimits, 'tokens'>;
  /** The limits' rules (protection.validationRules); graphql-js's standard rules always run. */
  validationRules: readonly ValidationRule[];
  /** The API schema operations are validated and coerced on (it changes on a reload). */
  schema(): GraphQLSchema | null;
  formatError: Formatter;
}

export interface Gate {
  /** Step 1 alone, for a transport that charges a request's head before reading its body. */
  chargeAddress(who: Pick<EdgeRequest, 'clientIp' | 'authorization' | 'apiKeyHeader'>): Promise<Refusal | null>;
  /** Step 2 alone (graphql-ws connects, live re-checks); throws the catalogued refusal. */
  authenticate(authorization: string | undefined, clientIp: string | null): Promise<Authentication>;
  /** Drops what step 2 reuses for these credentials, admitted as `viewer` (an event said they changed): the next authenticate looks them up afresh. */
  forget(authorization: string | undefined, clientIp: string | null, viewer: Viewer): void;
  /** Every step, in order. */
  admit(request: EdgeRequest): Promise<Admission>;
  /** A refusal from errors made outside the gate (a transport's own wire errors, an engine failure). */
  refuse(errors: readonly GraphQLError[], headers?: Record<string, string>): Refusal;
}

interface Params {
  query: string | undefined;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  extensions: Record<string, unknown> | undefined;
}

const badRequest = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } });

export function createGate(options: GateOptions): Gate {
  const rules = [...specifiedRules, ...options.validationRules];
  const documents = new DocumentCache();
  // Every refusal the edge makes is built here, once, so this is where it is counted (metrics).
  const refuse = (errors: readonly GraphQLError[], headers?: Record<string, string>) => {
    const refusal = refusalOf(errors, options.formatError, headers);
    observeRefusal(refusal.errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')));
    return refusal;
  };
  const refused = (error: GraphQLError | readonly GraphQLError[], headers?: Record<string, string>): Admission => ({
    ok: false,
    refusal: refuse(error instanceof GraphQLError ? [error] : error, headers),
  });

  const chargeAddress: Gate['chargeAddress'] = async (who) => {
    if (!options.rateLimits) return null;
    const error = await options.rateLimits.charge({ ip: who.clientIp, apiKey: presentedApiKey(who.authorization, who.apiKeyHeader) });
    return error ? refuse([error]) : null;
  };

  const authenticate: Gate['authenticate'] = async (authorization, clientIp) =>
    options.identity ? options.identity.authenticate(authorization, clientIp) : { viewer: null, expiresAt: null };

  const forget: Gate['forget'] = (authorization, clientIp, viewer) => options.identity?.forgetCredentials(authorization, clientIp, viewer);

  const admit = async (request: EdgeRequest): Promise<Admission> => {
    // Read before anything awaits: the earlier the arrival, the more fetches in flight it may join.
    const arrivedAt = request.arrivedAt ?? gatewayClock();
    if (!request.charged) {
      const limited = await chargeAddress(request);
      if (limited) return { ok: false, refusal: limited };
    }
    let authentication = request.authentication;
    if (!authentication) {
      try {
        authentication = await authenticate(request.authorization, request.clientIp);
      } catch (error) {
        return refused(asGraphQLError(error));
      }
    }
    const viewer = authentication.viewer;
    if (viewer && !isApiKeyViewer(viewer) && options.rateLimits) {
      const limited = await options.rateLimits.consume('user', viewer.userId);
      if (limited) return refused(limited);
    }

    const params = readParams(request);
    if (params instanceof GraphQLError) return refused(params);

    const named = { query: params.query, extensions: params.extensions };
    if (options.safelist && options.enforceSafelist) {
      const notListed = options.safelist.check(named);
      if (notListed) return refused(notListed);
    }
    const query = options.safelist ? options.safelist.resolve(named) : named.query;
    if (query === undefined) {
      const id = (params.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
      if (typeof id !== 'string') return refused(badRequest('GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.'));
      return refused(
        options.safelist
          ? new GraphQLError('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } })
          : new GraphQLError('PersistedQueryNotSupported', { extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } }),
      );
    }

    const schema = options.schema();
    if (!schema) return refused(appError('SUBGRAPH_UNAVAILABLE', 'The gateway has not loaded its schema yet; retry later'));
    const checked = documents.get(schema, query, () => check(schema, query));
    if ('errors' in checked) return refused(checked.errors);

    const operation = getOperationAST(checked.document, params.operationName);
    if (!operation) {
      const message = params.operationName ? `Unknown operation named "${params.operationName}".` : 'Must provide operation name if query contains multiple operations.';
      return refused(new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }));
    }
    // A page can make a browser send any GET (no preflight): GET never changes anything.
    if (request.method === 'GET' && operation.operation === 'mutation') {
      return refused(new GraphQLError('GET requests only support query operations, not mutation operations', { extensions: { code: 'BAD_REQUEST', http: { status: 405 } } }), { allow: 'POST' });
    }
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], params.variables, { maxErrors: 10 });
    if (coerced.errors) return refused(coerced.errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT' } })));

    return {
      ok: true,
      query,
      queryHash: checked.queryHash,
      document: checked.document,
      operation,
      operationName: params.operationName,
      variables: params.variables,
      extensions: params.extensions,
      authentication,
      context: {
        viewer,
        requestId: request.requestId ?? randomUUID(),
        clientIp: request.clientIp,
        userAgent: request.userAgent ?? null,
        // A subscription's follow-up fetches run per event, long after it arrived: they never join one in flight.
        ...(operation.operation === 'subscription' ? {} : { arrivedAt }),
      },
    };
  };

  const check = (schema: GraphQLSchema, query: string): Checked => {
    let document: DocumentNode;
    try {
      document = parseOperation(query, options.limits);
    } catch (error) {
      if (error instanceof GraphQLError && typeof error.extensions.code === 'string') return { errors: [error] }; // the token cap
      const syntax = error as GraphQLError;
      return { errors: [new GraphQLError(syntax.message, { source: syntax.source, positions: syntax.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })] };
    }
    const errors = validate(schema, document, rules);
    if (errors.length > 0) {
      // A protection rule's refusal keeps its own code (OPERATION_TOO_COMPLEX, INTROSPECTION_DISABLED).
      return { errors: errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, originalError: e.originalError, extensions: { ...e.extensions, code: e.extensions.code ?? 'GRAPHQL_VALIDATION_FAILED' } })) };
    }
    return { document, queryHash: createHash('sha256').update(query).digest('hex') };
  };

  return { chargeAddress, authenticate, forget, admit, refuse };
}

/** Step 4: the wire's parameters as Apollo Server reads them (and refuses them, in its words), bounded in depth. */
function readParams(request: EdgeRequest): Params | GraphQLError {
  const raw = request.params;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw) || Object.keys(raw).length === 0) {
    return badRequest(request.method === 'GET' ? 'GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.' : 'POST body missing, invalid Content-Type, or JSON object has no keys.');
  }
  const body = raw as Record<string, unknown>;
  if (body.query !== undefined && body.query !== null && typeof body.query !== 'string') return badRequest('GraphQL queries must be strings.');
  if (body.operationName !== undefined && body.operationName !== null && typeof body.operationName !== 'string') {
    return badRequest('`operationName` must be a string if provided.');
  }
  const objects: Record<'variables' | 'extensions', Record<string, unknown> | undefined> = { variables: undefined, extensions: undefined };
  for (const part of ['variables', 'extensions'] as const) {
    let value = body[part];
    if (typeof value === 'string') {
      if (request.method !== 'GET') return badRequest(`\`${part}\` should be provided as an object, not a recursively JSON-encoded string.`);
      try {
        value = JSON.parse(value);
      } catch {
        return badRequest(`The ${part} search parameter contains invalid JSON.`);
      }
    }
    if (value === undefined || value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) return badRequest(`\`${part}\` must be an object if provided.`);
    // Nothing recursive (coercion, planning, the subgraphs' input checks) ever sees such a value.
    if (depthExceeds(value, MAX_INPUT_DEPTH)) {
      return appError('BAD_USER_INPUT', `The ${part} nest deeper than ${MAX_INPUT_DEPTH} levels`, { issues: [{ path: part, message: `nests deeper than ${MAX_INPUT_DEPTH} levels` }] });
    }
    objects[part] = value as Record<string, unknown>;
  }
  return {
    // graphql-ws requires a query string: a client that names a persisted id sends an empty one.
    query: typeof body.query === 'string' && body.query.length > 0 ? body.query : undefined,
    operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    variables: objects.variables ?? {},
    extensions: objects.extensions,
  };
}

export function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const cause = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(cause.message, { originalError: cause });
}

type Checked = { document: DocumentNode; queryHash: string } | { errors: readonly GraphQLError[] };

// Bounded by count and by the text kept (Apollo Server's own document store is a ~30 MiB LRU):
// past either, the cache starts over. A text longer than MAX_DOCUMENT_CHARS is never kept.
const MAX_DOCUMENTS = 1000;
const MAX_CACHED_CHARS = 32 * 1024 * 1024;
const MAX_DOCUMENT_CHARS = 1024 * 1024;

/** Parse and validation outcomes by text, for one schema at a time. */
class DocumentCache {
  private schema: GraphQLSchema | null = null;
  private readonly entries = new Map<string, Checked>();
  private chars = 0;

  get(schema: GraphQLSchema, query: string, check: () => Checked): Checked {
    if (schema !== this.schema) this.clear(schema);
    const known = this.entries.get(query);
    if (known) return known;
    const checked = check();
    if (query.length > MAX_DOCUMENT_CHARS) return checked;
    if (this.entries.size >= MAX_DOCUMENTS || this.chars + query.length > MAX_CACHED_CHARS) this.clear(schema);
    this.entries.set(query, checked);
    this.chars += query.length;
    return checked;
  }

  private clear(schema: GraphQLSchema) {
    this.schema = schema;
    this.entries.clear();
    this.chars = 0;
  }
}
