import type { GraphQLFormattedError } from 'graphql';
import { ERROR_CODES } from './errors.js';
import type { Logger } from './log.js';

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
  return original instanceof Error ? { message: original.message, stack: original.stack } : String(original);
}
