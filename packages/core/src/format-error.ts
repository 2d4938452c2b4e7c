import type { GraphQLFormattedError } from 'graphql';
import { ERROR_CODES } from './errors.js';
import { describeError, type Logger } from './log.js';

/**
 * Codes Apollo Server itself produces for malformed requests; they describe the client's
 * mistake, so they pass through unchanged.
 */
const APOLLO_CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * Keeps catalogued errors as they are and turns everything else into an opaque
 * INTERNAL_SERVER_ERROR, logging the original: no stack trace, SQL or driver message reaches a
 * client.
 */
export function createErrorFormatter(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR' && (code in ERROR_CODES || APOLLO_CLIENT_CODES.has(code))) {
      const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const database = databaseFailure(error);
    if (database) {
      log.warn('database unavailable', { error: errorDetail(error), path: formatted.path, outcome: database });
      return database === 'not-reached'
        ? { message: 'The service cannot reach its database now: nothing was done; retry later', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'DATABASE_UNAVAILABLE' } }
        : {
            message: 'The service lost its database connection: a write may or may not have been saved; retry with the same idempotency key, or read the state first',
            ...(formatted.path ? { path: formatted.path } : {}),
            extensions: { code: 'OUTCOME_UNKNOWN', reason: 'database-connection-lost' },
          };
    }
    if (unstorableText(error)) {
      return {
        message: 'Invalid input: a text contains a character that cannot be stored (U+0000)',
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: 'BAD_USER_INPUT', issues: [{ path: '', message: 'must not contain U+0000' }] },
      };
    }
    log.error('unexpected error', { error: errorDetail(error), path: formatted.path });
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

function errorDetail(error: unknown) {
  const original = (error as { originalError?: unknown })?.originalError ?? error;
  return original instanceof Error ? describeError(original) : String(original);
}

/**
 * The database out of reach. Refused or not yet accepting (connection refused, cannot connect
 * now, too many connections, a connect timeout): no statement ran, nothing was done. Lost while
 * working (reset, terminated by an administrator or a crash, postgres.js's ended connection): a
 * COMMIT may have been in flight, so the outcome is unknown.
 */
const NOT_REACHED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'CONNECT_TIMEOUT', '57P03', '53300']);
const LOST = new Set(['ECONNRESET', 'EPIPE', 'CONNECTION_ENDED', 'CONNECTION_CLOSED', 'CONNECTION_DESTROYED', '57P01', '57P02', '08000', '08003', '08006']);

function databaseFailure(error: unknown): 'not-reached' | 'lost' | null {
  for (let e: unknown = (error as { originalError?: unknown })?.originalError ?? error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_REACHED.has(code)) return 'not-reached';
    if (typeof code === 'string' && LOST.has(code)) return 'lost';
    e = (e as { cause?: unknown; originalError?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return null;
}

/**
 * Postgres refusing a value it cannot store: U+0000 in text (22021) or in JSON (22P05), and
 * invalid text encodings. The client's input, not our failure: BAD_USER_INPUT, whichever input
 * got that far (every input layer refuses NUL first; this closes the class at the database).
 */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

function unstorableText(error: unknown): boolean {
  for (let e: unknown = (error as { originalError?: unknown })?.originalError ?? error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNSTORABLE_TEXT.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
