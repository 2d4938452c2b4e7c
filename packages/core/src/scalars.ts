import { GraphQLError, GraphQLScalarType, Kind, type GraphQLSchema, type ValueNode } from 'graphql';

/** ISO-8601 timestamps with a zone; parsed into Date, always serialised in UTC. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 timestamp with time zone, e.g. 2026-01-31T12:00:00.000Z',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw badDate();
    return parseDate(ast.value);
  },
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const badDate = () =>
  new GraphQLError('DateTime must be an ISO-8601 string with a time zone', { extensions: { code: 'BAD_USER_INPUT' } });
function parseDate(value: unknown): Date {
  if (typeof value !== 'string' || !ISO.test(value)) throw badDate();
  const date = new Date(value);
  // Year 0000 parses (1 BC) but Postgres stores no year 0: refused here, not by the database.
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1) throw badDate();
  return date;
}

/**
 * Gives a schema built from SDL (the gateway's, from the supergraph) the DateTime checks the
 * subgraphs apply: a bad value is refused where the operation is validated, with BAD_USER_INPUT,
 * instead of travelling to a subgraph whose refusal would fail the whole fetch.
 */
export function installScalars(schema: GraphQLSchema): GraphQLSchema {
  const dateTime = schema.getType('DateTime');
  if (dateTime instanceof GraphQLScalarType) {
    dateTime.parseValue = DateTimeScalar.parseValue;
    dateTime.parseLiteral = DateTimeScalar.parseLiteral;
  }
  return schema;
}

/** Arbitrary JSON (workflow run data, event properties). */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: function parseLiteral(ast: ValueNode, variables?: Record<string, unknown> | null): unknown {
    switch (ast.kind) {
      case Kind.STRING:
      case Kind.BOOLEAN:
        return ast.value;
      case Kind.INT:
      case Kind.FLOAT:
        return Number(ast.value);
      case Kind.NULL:
        return null;
      case Kind.LIST:
        return ast.values.map((v) => parseLiteral(v, variables));
      case Kind.OBJECT:
        return Object.fromEntries(ast.fields.map((f) => [f.name.value, parseLiteral(f.value, variables)]));
      case Kind.VARIABLE:
        return variables?.[ast.name.value];
      default:
        throw new GraphQLError('Invalid JSON literal', { extensions: { code: 'BAD_USER_INPUT' } });
    }
  },
});
