import { pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { execute, parse } from 'graphql';
import { allow } from 'graphql-shield';
import { describe, expect, it } from 'vitest';
import { buildSecuredSubgraphSchema, decodeCursor, encodeCursor, pageSize, paginate, type PageArgs, type SortKey } from '../src/index.js';

const table = pgTable('t', { id: uuid('id'), name: text('name') });
type Row = { id: string; name: string };
const byName: SortKey<Row>[] = [
  { column: table.name, cast: 'text', direction: 'ASC', value: (r) => r.name },
  { column: table.id, cast: 'uuid', direction: 'ASC', value: (r) => r.id },
];
const byNameDesc: SortKey<Row>[] = byName.map((k) => ({ ...k, direction: 'DESC' }));

describe('cursors', () => {
  it('round-trips the sort values of a row', () => {
    const cursor = encodeCursor(byName, { id: 'a', name: 'Ada' });
    expect(decodeCursor(byName, cursor)).toEqual(['Ada', 'a']);
  });

  it('refuses a cursor made for another ordering, and garbage, with BAD_USER_INPUT', () => {
    const cursor = encodeCursor(byName, { id: 'a', name: 'Ada' });
    expect(() => decodeCursor(byNameDesc, cursor)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    expect(() => decodeCursor(byName, 'not a cursor')).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    const objectValue = Buffer.from(JSON.stringify({ o: 'name:ASC,id:ASC', v: [{}, 'a'] })).toString('base64url');
    expect(() => decodeCursor(byName, objectValue)).toThrow();
  });

  it('bounds page sizes', () => {
    expect(pageSize({})).toBe(20);
    expect(pageSize({ first: 0 })).toBe(0);
    expect(() => pageSize({ first: 101 })).toThrow();
    expect(() => pageSize({ first: -1 })).toThrow();
  });
});

describe('a connection asked only for its totalCount', () => {
  // A subgraph schema as buildSecuredSubgraphSchema builds every one, with a list whose page
  // reads are counted: a selection of totalCount alone must run the count and no page.
  const typeDefs = parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Query { items(first: Int = 20, after: String): ItemConnection! }
    type Item @key(fields: "id") { id: ID! }
    type ItemConnection { nodes: [Item!]! pageInfo: PageInfo! totalCount: Int! }
    type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
  `);
  const rows = Array.from({ length: 30 }, (_, i) => ({ id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, name: `n${i}` }));
  let pages = 0;
  let counts = 0;
  const schema = buildSecuredSubgraphSchema({
    typeDefs,
    resolvers: {
      Query: {
        items: (_: unknown, args: PageArgs) =>
          paginate<Row>({
            args,
            keys: byName,
            fetch: async (_after, limit) => {
              pages++;
              return rows.slice(0, limit);
            },
            count: async () => {
              counts++;
              return rows.length;
            },
          }),
      },
    },
    permissions: { Query: { items: allow, _entities: allow }, ItemConnection: { '*': allow }, Item: { '*': allow }, PageInfo: { '*': allow } },
  });
  const run = async (source: string) => {
    pages = 0;
    counts = 0;
    const result = await execute({ schema, document: parse(source), contextValue: {} });
    return { result, pages, counts };
  };

  it('counts without reading a page, whether asked directly, through a fragment or with __typename', async () => {
    for (const source of ['{ items { totalCount } }', '{ items { __typename totalCount } }', '{ items { ...C } } fragment C on ItemConnection { totalCount }', '{ items { ... on ItemConnection { totalCount } } }']) {
      const { result, pages: read, counts: counted } = await run(source);
      expect(result.errors, source).toBeUndefined();
      expect((result.data as { items: { totalCount: number } }).items.totalCount, source).toBe(30);
      expect([read, counted], source).toEqual([0, 1]);
    }
  });

  it('reads the page as before when anything else is asked beside the count', async () => {
    const { result, pages: read } = await run('{ items(first: 5) { totalCount nodes { id } } }');
    expect(result.errors).toBeUndefined();
    expect((result.data as { items: { nodes: unknown[] } }).items.nodes).toHaveLength(5);
    expect(read).toBe(1);
    expect((await run('{ items { totalCount pageInfo { hasNextPage } } }')).pages).toBe(1);
  });

  it('still refuses a page size out of bounds, even when only the count is asked', async () => {
    const { result } = await run('{ items(first: 500) { totalCount } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
