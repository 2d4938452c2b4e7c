import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';

/**
 * Operations generated from the API schema (schema/api.graphql), not from a hand list: every root
 * field of Query, Mutation and Subscription, and every field with arguments reachable from Query
 * (organization { files(filter: ...) }, workflowDefinition { runs(...) }, ...), each as one target.
 * A target's arguments are sent as variables typed as the schema types them, so each value goes
 * through the gateway's coercion, the query planner and the subgraph's own validation.
 */

export type OperationKind = 'query' | 'mutation' | 'subscription';

export interface Target {
  kind: OperationKind;
  /** Schema coordinate of the field whose arguments are fuzzed, e.g. `Organization.files`. */
  coordinate: string;
  /** The root field's name (the key of `data`). */
  rootField: string;
  /** Fields from the root to the fuzzed one; all but the last get only their required arguments, with plausible values. */
  path: { field: GraphQLField<unknown, unknown>; parent: string }[];
}

/** Kinds of id the platform hands out; an ID argument is drawn mostly from its own kind. */
export type IdKind = 'organization' | 'definition' | 'run' | 'file' | 'user' | 'task' | 'apiKey' | 'invitation' | 'any';

/** Real ids of one tenant (the demo organization, or the other one), by kind. */
export type IdPool = Record<Exclude<IdKind, 'any'>, string[]>;

export interface Pools {
  /** The demo organization's ids (the four roles' tenant). */
  home: IdPool;
  /** The other organization's ids (its owner is the OUTSIDER). */
  other: IdPool;
  /** Strings worth trying where a String is asked: slugs, keys, emails, state names, ... */
  strings: string[];
}

export function listTargets(schema: GraphQLSchema): Target[] {
  const targets: Target[] = [];
  const roots: [OperationKind, GraphQLObjectType | null | undefined][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  for (const [kind, root] of roots) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      targets.push({ kind, coordinate: `${root.name}.${field.name}`, rootField: field.name, path: [{ field, parent: root.name }] });
    }
  }
  // Fields with arguments below Query, each reached by its shortest path (breadth first, 3 deep).
  const query = schema.getQueryType();
  if (query) {
    const seen = new Set<string>([query.name]);
    let frontier: { type: GraphQLObjectType; path: Target['path'] }[] = [];
    for (const field of Object.values(query.getFields())) {
      const type = getNamedType(field.type);
      if (isObjectType(type) && !seen.has(type.name)) {
        seen.add(type.name);
        frontier.push({ type, path: [{ field, parent: query.name }] });
      }
    }
    const covered = new Set<string>();
    for (let depth = 0; depth < 3 && frontier.length > 0; depth++) {
      const next: typeof frontier = [];
      for (const { type, path } of frontier) {
        for (const field of Object.values(type.getFields())) {
          const coordinate = `${type.name}.${field.name}`;
          const fieldPath = [...path, { field, parent: type.name }];
          if (field.args.length > 0 && !covered.has(coordinate)) {
            covered.add(coordinate);
            targets.push({ kind: 'query', coordinate, rootField: path[0]!.field.name, path: fieldPath });
          }
          const named = getNamedType(field.type);
          if (isObjectType(named) && !seen.has(named.name)) {
            seen.add(named.name);
            next.push({ type: named, path: fieldPath });
          }
        }
      }
      frontier = next;
    }
  }
  return targets;
}

/** One generated operation: its text and variables (some hostile). */
export interface GeneratedOperation {
  kind: OperationKind;
  coordinate: string;
  rootField: string;
  query: string;
  variables: Record<string, unknown>;
}

/**
 * The selection under the fuzzed field: `__typename`, plus `id` (or `nodes { id }` of a
 * connection, or the ids of a payload's objects) so that the tenancy check sees which objects
 * came back; otherwise the first scalar field.
 */
export function selectionOf(type: GraphQLOutputType): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named)) return '{ __typename }';
  const fields = named.getFields();
  const hasNoRequiredArgs = (f: GraphQLField<unknown, unknown>) => f.args.every((a) => !isNonNullType(a.type) || a.defaultValue !== undefined);
  const idOf = (t: GraphQLOutputType) => {
    const n = getNamedType(t);
    return isObjectType(n) && n.getFields().id ? 'id' : null;
  };
  const parts = ['__typename'];
  if (fields.id) parts.push('id');
  const nodes = fields.nodes;
  if (nodes && idOf(nodes.type)) parts.push('nodes { id }');
  if (!fields.id && !nodes) {
    for (const f of Object.values(fields)) {
      if (hasNoRequiredArgs(f) && isObjectType(getNamedType(f.type)) && idOf(f.type)) parts.push(`${f.name} { id }`);
    }
    if (parts.length === 1) {
      const scalar = Object.values(fields).find((f) => hasNoRequiredArgs(f) && isLeafType(getNamedType(f.type)));
      if (scalar) parts.push(scalar.name);
    }
  }
  return `{ ${parts.join(' ')} }`;
}

/** Marks a value to be sent as raw JSON text (nesting too deep for JSON.stringify). */
export const RAW_JSON = '\u0001raw-json:';
export const deepJson = (depth: number) => `${RAW_JSON}${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
export const deepArray = (depth: number) => `${RAW_JSON}${'['.repeat(depth)}${']'.repeat(depth)}`;

/** The request body, with RAW_JSON markers replaced by their text. */
export function encodeBody(query: string, variables: Record<string, unknown>): string {
  const raws: string[] = [];
  const text = JSON.stringify({ query, variables }, (_key, value) => {
    if (typeof value === 'string' && value.startsWith(RAW_JSON)) {
      raws.push(value.slice(RAW_JSON.length));
      return `${RAW_JSON}${raws.length - 1}`;
    }
    return value;
  });
  return text.replace(new RegExp(`"\\\\u0001raw-json:(\\d+)"`, 'g'), (_m, i: string) => raws[Number(i)]!);
}

const MB = 1 << 20;
const big = 'a'.repeat(MB);

/** Hostile text: NUL, unpaired surrogates, bidi overrides, 1 MB, injection-looking and odd Unicode. */
const hostileString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'lone \udc00 low',
    '\udbff\ud800',
    'x\ud83d',
    '\u202eevil.txt\u202d',
    '\u202egnp.exe',
    '\u200f\u200e\u2066\u2069',
    '\ufeff',
    '\u200b',
    '\ud83d\ude00'.repeat(1000),
    'e\u0301\u0301\u0301',
    "' or 1=1 --",
    '%_\\',
    '${{7*7}}',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    'null',
    'undefined',
    '\r\n\t\v\f',
    big,
    `${big}\u0000`,
    `${'\ud800'.repeat(1024)}`,
    'x'.repeat(65_537),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.constantFrom('a', 'Z', '0', '-', '_', ' ', '\u0000', '\ud800', '\udfff', '\u202e', '\u200f', 'é', '\ud83d\ude00', '\\', '"', "'"), { maxLength: 24 }).map((a) => a.join('')),
);

/** Cursor-looking strings: malformed base64, JSON of the wrong shape, huge values. */
const b64 = (s: string) => Buffer.from(s).toString('base64url');
const hostileCursor = fc.oneof(
  fc.constantFrom(
    'not-a-cursor',
    '====',
    b64('{'),
    b64('null'),
    b64('[]'),
    b64('{"o":"x","v":[]}'),
    b64('{"o":"created_at:desc,id:desc","v":["not a date","x"]}'),
    b64('{"o":"created_at:desc,id:desc","v":[{"a":1},null]}'),
    b64('{"o":"name:asc,id:asc","v":["\\u0000","00000000-0000-0000-0000-000000000000"]}'),
    b64(`{"o":"x","v":[${'1,'.repeat(10_000)}1]}`),
    b64('{"o":"id:asc","v":[1e308]}'),
    b64('{"__proto__":{"o":1},"v":[1]}'),
    b64('\u0000'),
  ),
  fc.record({ o: fc.string(), v: fc.array(fc.oneof(fc.string(), fc.double(), fc.constant(null)), { maxLength: 3 }) }).map((v) => b64(JSON.stringify(v))),
);

const hostileDate = fc.constantFrom(
  'not a date',
  '',
  '2026-02-30T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-01-01T25:61:00Z',
  '2026-01-01',
  '0000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '+275760-09-13T00:00:00.001Z',
  '9999-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00Z',
  '2026-01-01T00:00:00+99:99',
  '2026-01-01T00:00:00\u0000Z',
  'Infinity',
  '1e308',
  1_700_000_000_000,
  -8.64e15 - 1,
  true,
  {},
);

const plausibleDate = fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());

const INT_EDGES = [0, 1, -1, 2, 5, 20, 100, 101, 1000, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53) + 1, 1e21];
const hostileInt = fc.oneof(fc.constantFrom(...INT_EDGES), fc.constantFrom<unknown>(1.5, -0.5, '1', '', true, null, [1], { n: 1 }));
const plausibleInt = fc.oneof(fc.integer({ min: -2, max: 120 }), fc.integer());

const FLOAT_EDGES = [0, -0, 1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON, 2 ** 53, 0.1 + 0.2, 1e-320];
const hostileFloat = fc.oneof(fc.constantFrom(...FLOAT_EDGES), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom<unknown>('1.5', 'NaN', true, {}));

/** JSON values: odd keys, NUL, prototype keys, 1 MB, wide arrays, nesting past what a server may re-serialize. */
const hostileJson = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    0,
    '',
    '\u0000',
    [],
    {},
    { '\u0000': 1 },
    { a: '\u0000' },
    { a: '\ud800' },
    { __proto__: { polluted: true } },
    JSON.parse('{"__proto__":{"polluted":true}}'),
    { constructor: { prototype: { polluted: true } } },
    { big },
    Array.from({ length: 10_000 }, (_, i) => i),
    { n: 1e308, m: -1e308, t: Number.MIN_VALUE },
    deepJson(100),
    deepJson(2_000),
    deepJson(20_000),
    deepArray(20_000),
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

const plausibleJson = fc.oneof(
  fc.constantFrom<unknown>({ amount: 5, currency: 'EUR', description: 'fuzz' }, { vendor: 'Globex' }, { page: 'dashboard' }, {}),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean()), { maxKeys: 4 }),
);

const malformedId = fc.oneof(
  fc.constantFrom<unknown>(
    '',
    'not-an-id',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '0000000-0000-0000-0000-000000000000',
    '00000000-0000-0000-0000-0000000000000',
    '{00000000-0000-0000-0000-000000000000}',
    'g0000000-0000-0000-0000-000000000000',
    '1',
    '-1',
    "1' or '1'='1",
    '\u0000',
    '\ud800',
    '\u202e1',
    big,
    0,
    -1,
    2 ** 31,
    1e21,
    1.5,
    true,
  ),
  fc.uuid(),
  hostileString,
);

/** The kind of id an argument or input field names (`runId`, `organizationId`, `deleteFile(id)`, `RenameFileInput.id`). */
export function idKindOf(name: string, context: string): IdKind {
  const key = (name === 'id' ? context : name).toLowerCase();
  if (key.includes('apikey')) return 'apiKey';
  if (key.includes('invitation')) return 'invitation';
  if (key.includes('organization')) return 'organization';
  if (key.includes('definition')) return 'definition';
  if (key.includes('run')) return 'run';
  if (key.includes('file')) return 'file';
  if (key.includes('task')) return 'task';
  if (key.includes('user') || key.includes('member') || key.includes('actor')) return 'user';
  return 'any';
}

const allIds = (pool: IdPool) => Object.values(pool).flat();

function idArbitrary(pools: Pools, kind: IdKind, plausibleOnly: boolean): fc.Arbitrary<unknown> {
  const home = kind === 'any' ? allIds(pools.home) : pools.home[kind];
  const other = kind === 'any' ? allIds(pools.other) : pools.other[kind];
  const options: fc.WeightedArbitrary<unknown>[] = [];
  if (home.length) options.push({ arbitrary: fc.constantFrom(...home), weight: plausibleOnly ? 6 : 4 });
  if (other.length) options.push({ arbitrary: fc.constantFrom(...other), weight: 2 });
  if (!plausibleOnly) {
    options.push({ arbitrary: fc.constantFrom(...allIds(pools.home), ...allIds(pools.other)), weight: 1 });
    options.push({ arbitrary: malformedId, weight: 3 });
  }
  if (options.length === 0) options.push({ arbitrary: fc.uuid(), weight: 1 });
  return fc.oneof(...options);
}

interface Context {
  pools: Pools;
  /** Only plausible values (the path's arguments that lead to the fuzzed field). */
  plausibleOnly: boolean;
  depth: number;
}

/** A value for one GraphQL input type: mostly plausible, often hostile, sometimes the wrong shape. */
function valueFor(type: GraphQLInputType, name: string, context: string, ctx: Context): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) {
    const inner = valueFor(type.ofType, name, context, ctx);
    return ctx.plausibleOnly ? inner : fc.oneof({ arbitrary: inner, weight: 30 }, { arbitrary: fc.constant(null), weight: 1 });
  }
  if (isListType(type)) {
    const item = valueFor(type.ofType, name, context, { ...ctx, depth: ctx.depth + 1 });
    if (ctx.plausibleOnly) return fc.array(item, { minLength: 1, maxLength: 3 });
    return fc.oneof(
      { arbitrary: fc.array(item, { maxLength: 4 }), weight: 8 },
      { arbitrary: item, weight: 1 }, // a single value where a list is asked (coerced to a list of one)
      { arbitrary: item.map((v) => Array.from({ length: 5_000 }, () => v)), weight: 1 },
      { arbitrary: fc.constant([null]), weight: 1 },
    );
  }
  const nullable = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> => (ctx.plausibleOnly ? arb : fc.oneof({ arbitrary: arb, weight: 12 }, { arbitrary: fc.constant(null), weight: 1 }));
  const mix = (plausible: fc.Arbitrary<unknown>, hostile: fc.Arbitrary<unknown>) =>
    ctx.plausibleOnly ? plausible : fc.oneof({ arbitrary: plausible, weight: 3 }, { arbitrary: hostile, weight: 2 });
  if (isEnumType(type)) {
    const values = type.getValues().map((v) => v.value as string);
    return nullable(mix(fc.constantFrom(...values), fc.constantFrom<unknown>('NOT_A_VALUE', values[0]!.toLowerCase(), '', '\u0000', 0, true)));
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    if (ctx.depth > 3) return fc.constant(null);
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    const required: string[] = [];
    for (const f of fields) {
      record[f.name] = valueFor(f.type, f.name, type.name, { ...ctx, depth: ctx.depth + 1 });
      if (isNonNullType(f.type) && f.defaultValue === undefined) required.push(f.name);
    }
    const object = fc.record(record, { requiredKeys: required });
    if (ctx.plausibleOnly) return object;
    return nullable(
      fc.oneof(
        { arbitrary: object, weight: 12 },
        { arbitrary: object.map((o) => ({ ...o, notAField: 1 })), weight: 1 },
        { arbitrary: fc.constantFrom<unknown>('an object was asked', 1, []), weight: 1 },
      ),
    );
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'ID':
        return nullable(idArbitrary(ctx.pools, idKindOf(name, context), ctx.plausibleOnly));
      case 'String': {
        const lower = name.toLowerCase();
        const plausible = lower === 'after' || lower === 'before' || lower.includes('cursor')
          ? fc.oneof(fc.constant(null), hostileCursor)
          : fc.oneof({ arbitrary: fc.constantFrom(...ctx.pools.strings), weight: 3 }, { arbitrary: fc.string({ maxLength: 24 }), weight: 2 });
        return nullable(mix(plausible, lower === 'after' ? fc.oneof(hostileCursor, hostileString) : hostileString));
      }
      case 'Int':
        return nullable(mix(plausibleInt, hostileInt));
      case 'Float':
        return nullable(mix(fc.double({ min: -1e6, max: 1e6, noNaN: true }), hostileFloat));
      case 'Boolean':
        return nullable(mix(fc.boolean(), fc.constantFrom<unknown>('true', 0, 1, {}, [])));
      case 'DateTime':
        return nullable(mix(plausibleDate, hostileDate));
      case 'JSON':
        return nullable(mix(plausibleJson, hostileJson));
      default:
        return nullable(mix(fc.string(), hostileString));
    }
  }
  return fc.constant(null);
}

/** Arguments of one field as variables `$a<n>`: an optional argument is sometimes left out. */
function argumentsOf(field: GraphQLField<unknown, unknown>, prefix: string, ctx: Context) {
  const args: readonly GraphQLArgument[] = ctx.plausibleOnly ? field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined) : field.args;
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const [i, arg] of args.entries()) {
    const variable = `${prefix}${i}`;
    record[variable] = valueFor(arg.type, arg.name, field.name, ctx);
    if (isNonNullType(arg.type) && arg.defaultValue === undefined) required.push(variable);
  }
  return { args, record, required };
}

/** Operations for one target: its text is fixed, its variables drawn. */
export function operationArbitrary(target: Target, pools: Pools): fc.Arbitrary<GeneratedOperation> {
  const declarations: string[] = [];
  const records: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  const last = target.path.length - 1;
  let body = '';
  // Built inside out: the fuzzed field with its selection, then each parent around it.
  for (let level = last; level >= 0; level--) {
    const { field } = target.path[level]!;
    const { args, record, required: req } = argumentsOf(field, `a${level}_`, { pools, plausibleOnly: level !== last, depth: 0 });
    Object.assign(records, record);
    required.push(...req);
    args.forEach((arg, i) => declarations.push(`$a${level}_${i}: ${String(arg.type)}`));
    const argText = args.length ? `(${args.map((arg, i) => `${arg.name}: $a${level}_${i}`).join(', ')})` : '';
    const selection = level === last ? selectionOf(field.type) : `{ __typename${isObjectType(getNamedType(field.type)) && (getNamedType(field.type) as GraphQLObjectType).getFields().id ? ' id' : ''} ${body} }`;
    body = `${field.name}${argText} ${selection}`;
  }
  const query = `${target.kind} Fuzz${declarations.length ? `(${declarations.join(', ')})` : ''} { ${body} }`;
  return fc.record(records, { requiredKeys: required }).map((variables) => ({ kind: target.kind, coordinate: target.coordinate, rootField: target.rootField, query, variables }));
}
