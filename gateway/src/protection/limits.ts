import { ApolloArmor } from '@escape.tech/graphql-armor';
import { appError } from '@organoise/core';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { DEFAULT_OPERATION_LIMITS as DEFAULTS } from './defaults.js';
import { isTokenLimitError, tooManyTokens } from './errors.js';

/**
 * Limits on the shape of one operation, checked before anything runs. The refusals are
 * catalogued: OPERATION_TOO_COMPLEX with `extensions.limit` naming the limit (the limit's value is
 * not told: `exposeLimits: false`), and INTROSPECTION_DISABLED. Over HTTP, Apollo Server answers
 * them with status 400 (protectErrorFormatter in errors.ts restores the code it overwrites).
 *
 * Depth and cost count through fragment spreads, and fragments are flattened (a spread adds no
 * level of its own). graphql-js's NoFragmentCycles refuses circular fragments; the armor rules
 * remember the fragments they have seen, so a cycle cannot make them loop either.
 *
 * The same rules serve any transport: `operationRules` for a validate() call, `parseOperation`
 * and `checkOperation` for a WebSocket server that parses and validates on its own.
 */
export interface OperationLimits {
  /** Levels of nested fields. */
  depth: number;
  /** Aliased fields (`__typename` aliases are free). */
  aliases: number;
  /** Directives anywhere in the operation and the fragments it uses. */
  directives: number;
  /** Lexical tokens in the whole document, counted while parsing so an oversized one stops early. */
  tokens: number;
  /** graphql-armor's cost: 1 per scalar, 2 per object, x1.5 per level, x`first`/`last` when given literally. */
  cost: number;
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = DEFAULTS;

export type Limit = keyof OperationLimits;

const tooComplex = (limit: Exclude<Limit, 'tokens'>) => {
  const what = { depth: 'nests fields too deeply', aliases: 'uses too many aliases', directives: 'uses too many directives', cost: 'asks for too much at once' }[limit];
  return appError('OPERATION_TOO_COMPLEX', `The operation ${what}; ask for less, or split it.`, { limit });
};

export const introspectionDisabled = () =>
  appError('INTROSPECTION_DISABLED', 'Introspection is off on this gateway; the schema is published as schema/api.graphql.');

/** The validation rules for the limits (and for refusing introspection when it is off). */
export function operationRules(limits: OperationLimits, options: { introspection: boolean }): ValidationRule[] {
  // Armor's own Apollo wiring reports BAD_USER_INPUT; reporting through onReject instead keeps our codes.
  const reject = (limit: Exclude<Limit, 'tokens'>) => ({
    exposeLimits: false,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null) => context?.reportError(tooComplex(limit))],
  });
  const rules = new ApolloArmor({
    maxDepth: { n: limits.depth, flattenFragments: true, ...reject('depth') },
    maxAliases: { n: limits.aliases, ...reject('aliases') },
    maxDirectives: { n: limits.directives, ...reject('directives') },
    costLimit: { maxCost: limits.cost, flattenFragments: true, ...reject('cost') },
    // Tokens are capped by the parser itself (parseOptions); suggestions by the error formatter.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect().validationRules;
  return options.introspection ? rules : [...rules, noIntrospection];
}

/**
 * graphql-js's NoSchemaIntrospectionCustomRule, by field name: `__schema` and `__type` exist only on
 * the query root (anywhere else they are unknown fields anyway). Matching names rather than types
 * also keeps it free of graphql-js's cross-module `instanceof` checks.
 */
const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value !== '__schema' && node.name.value !== '__type') return;
    const refusal = introspectionDisabled();
    context.reportError(new GraphQLError(refusal.message, { nodes: node, extensions: refusal.extensions }));
  },
});

/** Parses with the token cap; an over-long document is refused as OPERATION_TOO_COMPLEX. */
export function parseOperation(source: string, limits: Pick<OperationLimits, 'tokens'>): DocumentNode {
  try {
    return parse(source, { maxTokens: limits.tokens });
  } catch (error) {
    if (error instanceof Error && isTokenLimitError(error)) throw tooManyTokens();
    throw error;
  }
}

/**
 * Everything the gateway checks about an operation before running it: graphql-js's standard rules
 * plus the limits. Returns the errors (none when the operation may run). The limits judge the
 * document alone: a `first: $n` counts as 1 (the subgraphs cap page sizes themselves).
 */
export function checkOperation(schema: GraphQLSchema, document: DocumentNode, options: { limits: OperationLimits; introspection: boolean }): readonly GraphQLError[] {
  return validate(schema, document, [...specifiedRules, ...operationRules(options.limits, options)]);
}
