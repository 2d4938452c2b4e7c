import type { ErrorCode } from '@organoise/core';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';

/**
 * How each refusal the gateway's edge makes is told on each transport: the HTTP status (HTTP,
 * and SSE or multipart before a stream starts) and, for what ends a whole graphql-ws connection
 * (its credentials refused at connect, or lost while it lives), the close code. One typed table,
 * so no transport maps a code (or a close reason back to a code) on its own.
 *
 * The codes are the catalogue's (packages/core/src/errors.ts, docs/errors.md) and Apollo Server's
 * request errors, which docs/errors.md lists as passing through.
 */
export type ApolloRequestCode =
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'BAD_REQUEST'
  | 'OPERATION_RESOLUTION_FAILURE'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_NOT_SUPPORTED';

export type EdgeCode = ErrorCode | ApolloRequestCode;

/** Close codes of the gateway's graphql-ws endpoint (docs/protocols/subscriptions.md). */
export const CLOSE = {
  UNAUTHENTICATED: 4401,
  AUTHORIZATION_CHANGED: 4403,
  SLOW_CONSUMER: 4408,
  SCHEMA_RELOADED: 4503,
  /** WebSocket's own "Try Again Later": graphql-ws clients reconnect after it. */
  TRY_AGAIN_LATER: 1013,
} as const;

interface Answer {
  /** The HTTP status of a request refused with this code. */
  status: number;
  /** The graphql-ws close code when this code ends a connection (only those that can). */
  close?: number;
}

export const ANSWERS = {
  BAD_REQUEST: { status: 400 },
  GRAPHQL_PARSE_FAILED: { status: 400 },
  GRAPHQL_VALIDATION_FAILED: { status: 400 },
  OPERATION_RESOLUTION_FAILURE: { status: 400 },
  // Apollo's persisted-query protocol answers these with 200: clients read the code, then send the text.
  PERSISTED_QUERY_NOT_FOUND: { status: 200 },
  PERSISTED_QUERY_NOT_SUPPORTED: { status: 200 },
  BAD_USER_INPUT: { status: 400 },
  OPERATION_TOO_COMPLEX: { status: 400 },
  INTROSPECTION_DISABLED: { status: 400 },
  OPERATION_NOT_ALLOWED: { status: 400 },
  BATCH_NOT_ALLOWED: { status: 400 },
  TOO_MANY_SUBSCRIPTIONS: { status: 400 },
  RESUME_TOO_FAR_BEHIND: { status: 400 },
  EVENT_LOG_TRUNCATED: { status: 400 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  PAYLOAD_TOO_LARGE: { status: 413 },
  RATE_LIMITED: { status: 429 },
  ORIGIN_NOT_ALLOWED: { status: 403 },
  SSE_SINGLE_CONNECTION_UNSUPPORTED: { status: 405 },
  UNAUTHENTICATED: { status: 401, close: CLOSE.UNAUTHENTICATED },
  API_KEY_INVALID: { status: 401, close: CLOSE.UNAUTHENTICATED },
  API_KEY_REVOKED: { status: 401, close: CLOSE.UNAUTHENTICATED },
  API_KEY_EXPIRED: { status: 401, close: CLOSE.UNAUTHENTICATED },
  FORBIDDEN: { status: 403, close: CLOSE.AUTHORIZATION_CHANGED },
  IP_NOT_ALLOWED: { status: 403, close: CLOSE.AUTHORIZATION_CHANGED },
  // Nothing says the credentials are bad: the client retries instead of signing its person out.
  SUBGRAPH_UNAVAILABLE: { status: 503, close: CLOSE.TRY_AGAIN_LATER },
  SLOW_CONSUMER: { status: 200, close: CLOSE.SLOW_CONSUMER },
  SCHEMA_RELOADED: { status: 200, close: CLOSE.SCHEMA_RELOADED },
  INTERNAL_SERVER_ERROR: { status: 500, close: 1011 },
} as const satisfies Partial<Record<EdgeCode, Answer>>;

export type AnsweredCode = keyof typeof ANSWERS;

const answerOf = (code: unknown): Answer | undefined => (typeof code === 'string' && code in ANSWERS ? ANSWERS[code as AnsweredCode] : undefined);

/** The graphql-ws close code for a code that ends a connection; undefined for one that does not. */
export const closeCodeOf = (code: unknown): number | undefined => answerOf(code)?.close;

/**
 * A request the edge refused: the errors as the client reads them (formatted: codes restored,
 * suggestions cut, no `extensions.http`), the HTTP status and any headers (Retry-After, Allow).
 */
export interface Refusal {
  code: string;
  status: number;
  headers: Record<string, string>;
  errors: GraphQLFormattedError[];
}

export type Formatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * The refusal for catalogued errors. The status is the table's for the first error's code, unless
 * the error names its own (`extensions.http.status`, as a GET mutation's 405 does); an error of no
 * known code is a 500 INTERNAL_SERVER_ERROR, never its text.
 */
export function refusalOf(errors: readonly GraphQLError[], formatError: Formatter, headers: Record<string, string> = {}): Refusal {
  const first = errors[0]!;
  const code = typeof first.extensions.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR';
  const http = first.extensions.http as { status?: number } | undefined;
  const status = http?.status ?? answerOf(code)?.status ?? 500;
  const retryAfter = first.extensions.retryAfterSeconds;
  const extra: Record<string, string> = typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : {};
  return {
    code,
    status,
    headers: { ...extra, ...headers },
    errors: errors.map((error) => withoutHttp(formatError({ ...error.toJSON(), extensions: { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' } }, error))),
  };
}

/** `extensions.http` is how an error sets the HTTP status; Apollo Server takes it out of the body, and so does every transport here. */
export function withoutHttp(error: GraphQLFormattedError): GraphQLFormattedError {
  if (!error.extensions || !('http' in error.extensions)) return error;
  const { http: _http, ...extensions } = error.extensions;
  return { ...error, extensions };
}
