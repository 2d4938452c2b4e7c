import { appError } from '@organoise/core';
import type { Response } from 'express';
import type { GraphQLError } from 'graphql';
import { ANSWERS, type Formatter } from '../pipeline/answers.js';

/**
 * A refusal of an HTTP request's shape, made before its body is read or parsed as GraphQL, shaped
 * like every other answer and with the status answers.ts gives its code.
 */
export function sendRefusal(res: Response, code: 'UNSUPPORTED_MEDIA_TYPE' | 'BATCH_NOT_ALLOWED', message: string): void {
  res.status(ANSWERS[code].status).type('application/json').json({ errors: [{ message, extensions: { code } }] });
}

// graphql-js's own words ("more that" in 16.x) when `parse(source, { maxTokens })` gives up; it has no error code.
const TOKEN_LIMIT = /^Syntax Error: Document contains more th(?:at|an) \d+ tokens/;
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

export const isTokenLimitError = (error: { message: string }) => TOKEN_LIMIT.test(error.message);

/**
 * Wraps the service's error formatter. Apollo Server re-labels every validation error
 * GRAPHQL_VALIDATION_FAILED and every parse error GRAPHQL_PARSE_FAILED; a catalogued refusal made
 * by a protection rule gets its own code back here, so a client sees OPERATION_TOO_COMPLEX rather
 * than a generic failure. Without field suggestions, "Did you mean ...?" is cut from every message:
 * suggestions let anyone map a schema whose introspection is off.
 */
export function protectErrorFormatter(base: Formatter, options: { fieldSuggestions: boolean }): Formatter {
  return (formatted, error) => {
    let result = formatted;
    const original = originalGraphQLError(error);
    const code = formatted.extensions?.code;
    if (code === 'GRAPHQL_VALIDATION_FAILED' && original && typeof original.extensions.code === 'string' && original.extensions.code !== code) {
      result = { ...formatted, extensions: { ...formatted.extensions, code: original.extensions.code } };
    } else if (code === 'GRAPHQL_PARSE_FAILED' && original && isTokenLimitError(original)) {
      const refusal = tooManyTokens();
      result = { message: refusal.message, extensions: refusal.extensions };
    }
    if (!options.fieldSuggestions) {
      const message = result.message.replace(SUGGESTION, '');
      if (message !== result.message) result = { ...result, message };
    }
    return base(result, error);
  };
}

// By shape, not `instanceof`: graphql-js may be loaded twice (its CommonJS and ES module builds).
function originalGraphQLError(error: unknown): Pick<GraphQLError, 'message' | 'extensions'> | null {
  const original = (error as { originalError?: { message?: unknown; extensions?: unknown } } | null)?.originalError;
  return original && typeof original.message === 'string' && typeof original.extensions === 'object' && original.extensions
    ? (original as Pick<GraphQLError, 'message' | 'extensions'>)
    : null;
}

export const tooManyTokens = () => appError('OPERATION_TOO_COMPLEX', 'The operation is too long; ask for less, or split it.', { limit: 'tokens' });
