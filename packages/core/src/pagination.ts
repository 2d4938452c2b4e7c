import { and, asc, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { getNamedType, isObjectType, Kind, type FieldNode, type GraphQLResolveInfo, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import { appError } from './errors.js';

/**
 * Keyset (cursor) pagination for every list that can grow. A cursor holds the sort key values of
 * the last row seen plus the ordering it was made for, so pages stay stable while rows are
 * inserted, and each page is an index range scan (no OFFSET).
 */
export interface PageArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
}

export type SortDirection = 'ASC' | 'DESC';
type Cast = 'timestamptz' | 'text' | 'uuid' | 'integer' | 'bigint';

export interface SortKey<Row> {
  column: AnyPgColumn;
  cast: Cast;
  direction: SortDirection;
  value: (row: Row) => unknown;
}

export interface Connection<Node> {
  edges: { cursor: string; node: Node }[];
  nodes: Node[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Resolved only when a client selects it: counting is a second query. */
  totalCount: () => Promise<number>;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Whether pageSize would take `first` (absent counts as the default). */
export const isPageSize = (first: unknown, max = MAX_PAGE_SIZE): boolean =>
  first == null || (Number.isInteger(first) && (first as number) >= 0 && (first as number) <= max);

export function pageSize(args: PageArgs, max = MAX_PAGE_SIZE): number {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!isPageSize(first, max)) {
    throw appError('BAD_USER_INPUT', `first must be between 0 and ${max}`, { issues: [{ path: 'first', message: `must be between 0 and ${max}` }] });
  }
  return first;
}

const signature = (keys: SortKey<unknown>[]) => keys.map((k) => `${k.column.name}:${k.direction}`).join(',');

function serialise(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

export function encodeCursor<Row>(keys: SortKey<Row>[], row: Row): string {
  const payload = { o: signature(keys as SortKey<unknown>[]), v: keys.map((k) => serialise(k.value(row))) };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

export function decodeCursor<Row>(keys: SortKey<Row>[], cursor: string | null | undefined): unknown[] | null {
  if (cursor == null) return null;
  const bad = () => appError('BAD_USER_INPUT', 'after is not a valid cursor for this list and order', { issues: [{ path: 'after', message: 'invalid cursor' }] });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const p = parsed as { o?: unknown; v?: unknown };
  if (!p || p.o !== signature(keys as SortKey<unknown>[]) || !Array.isArray(p.v) || p.v.length !== keys.length) throw bad();
  if (p.v.some((v) => v !== null && typeof v !== 'string' && typeof v !== 'number')) throw bad();
  return p.v;
}

/** WHERE clause selecting rows strictly after `values` in the order given by `keys`. */
export function afterCursor<Row>(keys: SortKey<Row>[], values: unknown[]): SQL {
  const param = (i: number) => sql`cast(${values[i]} as ${sql.raw(keys[i]!.cast)})`;
  const clauses: SQL[] = [];
  for (let i = 0; i < keys.length; i++) {
    const parts: SQL[] = [];
    for (let j = 0; j < i; j++) parts.push(eq(keys[j]!.column, param(j)));
    const key = keys[i]!;
    parts.push(key.direction === 'ASC' ? gt(key.column, param(i)) : lt(key.column, param(i)));
    clauses.push(and(...parts)!);
  }
  return or(...clauses)!;
}

export const orderBy = <Row>(keys: SortKey<Row>[]) => keys.map((k) => (k.direction === 'ASC' ? asc(k.column) : desc(k.column)));

/**
 * Runs one page: `fetch(condition, limit)` must apply the condition (if any), order by `keys`
 * and take `limit` rows. One extra row tells whether there is a next page.
 */
export async function paginate<Row, Node = Row>(options: {
  args: PageArgs;
  keys: SortKey<Row>[];
  fetch: (after: SQL | undefined, limit: number) => Promise<Row[]>;
  count: () => Promise<number>;
  toNode?: (row: Row) => Node;
  max?: number;
}): Promise<Connection<Node>> {
  const limit = pageSize(options.args, options.max);
  const values = decodeCursor(options.keys, options.args.after);
  const rows = limit === 0 ? [] : await options.fetch(values ? afterCursor(options.keys, values) : undefined, limit + 1);
  const hasNextPage = rows.length > limit;
  const page = rows.slice(0, limit);
  const toNode = options.toNode ?? ((row: Row) => row as unknown as Node);
  const edges = page.map((row) => ({ cursor: encodeCursor(options.keys, row), node: toNode(row) }));
  let counted: Promise<number> | undefined;
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: values !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: () => (counted ??= options.count()),
  };
}

/**
 * A connection field asked only for its `totalCount` (a dashboard's "12 members") needs no page:
 * every list field that returns a `...Connection` with a `first` argument gets `first: 0` when the
 * selection holds nothing but `totalCount` and `__typename`, so paginate() runs the count alone
 * instead of the count and a page of 21 rows nobody reads. A `first` the resolver would refuse is
 * passed on unchanged (it is refused as before). Called on every subgraph's schema, before its
 * permissions are applied (the rules see the arguments as sent).
 */
export function countOnlyPages(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const returns = getNamedType(field.type);
      if (!returns.name.endsWith('Connection') || !field.args.some((a) => a.name === 'first') || !field.resolve) continue;
      const resolve = field.resolve;
      field.resolve = (source, args: Record<string, unknown>, context, info) =>
        resolve(source, isPageSize(args.first) && countOnly(info) ? { ...args, first: 0 } : args, context, info);
    }
  }
  return schema;
}

const COUNT_ONLY_FIELDS = new Set(['totalCount', '__typename']);

// A field's answer, per node of a parsed document: documents are parsed once and cached by the
// server, so a dashboard asked a thousand times walks its selection once, not once per row.
const countOnlyByNode = new WeakMap<FieldNode, boolean>();

function countOnly(info: GraphQLResolveInfo): boolean {
  const single = info.fieldNodes.length === 1 ? info.fieldNodes[0]! : undefined;
  const known = single && countOnlyByNode.get(single);
  if (known !== undefined) return known;
  const answer = selectsCountOnly(info);
  if (single) countOnlyByNode.set(single, answer);
  return answer;
}

function selectsCountOnly(info: GraphQLResolveInfo): boolean {
  const only = (set: SelectionSetNode | undefined): boolean =>
    !!set &&
    set.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return COUNT_ONLY_FIELDS.has(selection.name.value);
      if (selection.kind === Kind.INLINE_FRAGMENT) return only(selection.selectionSet);
      const fragment = info.fragments[selection.name.value];
      return !!fragment && only(fragment.selectionSet);
    });
  return info.fieldNodes.every((node) => only(node.selectionSet));
}

/** The SDL every subgraph shares: scalars, page info, roles. Marked shareable for composition. */
export const COMMON_SDL = /* GraphQL */ `
  scalar DateTime
  scalar JSON

  "Relay-style page information."
  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  "A member's role in an organization, from most to least powerful."
  enum Role {
    OWNER
    ADMIN
    MEMBER
    VIEWER
  }

  enum SortDirection {
    ASC
    DESC
  }
`;
