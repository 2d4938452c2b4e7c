import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { testLog } from '@organoise/core/testing';
import { execute, parse, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shapingStats, useCompiledShaping } from '../src/apollo/compiled-shaping.js';
import { startGateway, type RunningGateway } from '../src/index.js';

// The compiled result shaping (gateway/src/apollo/compiled-shaping.ts) against @apollo/gateway's own
// computeResponse: one real gateway over three real subgraphs, every request sent with the compiled
// shaping off, then on (twice: compiling, then from the compiled operation), and the answers
// compared as text, byte for byte. The cases follow the federation-gateway-audit suites' themes
// (abstract types, unions, @requires, @provides, null keys, aliases, fragments, @skip/@include,
// __typename, introspection beside data, subgraph errors, nulls in non-null positions, invalid leaf
// values and __typename from a subgraph, a subgraph down).

const FED = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])`;

const SUBGRAPHS: Record<string, { sdl: string; resolvers: Record<string, unknown>; tamper?: (query: string, data: Record<string, unknown>) => void }> = {
  products: {
    sdl: `${FED}
      interface Node { id: ID! }
      enum Kind { BOOK TOOL }
      type Product implements Node @key(fields: "id") { id: ID! name: String! price: Int weight: Int kind: Kind! tags: [String!]! maker: User @provides(fields: "name") }
      type Book implements Node @key(fields: "id") { id: ID! title: String! pages: Int }
      type User @key(fields: "id") { id: ID! name: String! @external }
      union Item = Product | Book
      type Query {
        products: [Product!]!
        product(id: ID!): Product
        item(id: ID!): Item
        items: [Item!]!
        node(id: ID!): Node
        nodes: [Node]!
        badInt: Int
        badEnum: Kind
        badTypename: Item
        failing: String
        failingRequired: Product!
      }`,
    resolvers: {
      Query: {
        products: () => PRODUCTS,
        product: (_: unknown, { id }: { id: string }) => PRODUCTS.find((p) => p.id === id) ?? null,
        item: (_: unknown, { id }: { id: string }) => [...PRODUCTS, ...BOOKS].find((i) => i.id === id) ?? null,
        items: () => [PRODUCTS[0], BOOKS[0], PRODUCTS[1], BOOKS[1]],
        node: (_: unknown, { id }: { id: string }) => [...PRODUCTS, ...BOOKS].find((i) => i.id === id) ?? null,
        nodes: () => [BOOKS[0], null, PRODUCTS[2]],
        badInt: () => 1,
        badEnum: () => 'BOOK',
        badTypename: () => BOOKS[0],
        failing: () => {
          throw new Error('products failed on purpose');
        },
        failingRequired: () => {
          throw new Error('a required field failed');
        },
      },
      Item: { __resolveType: (i: { title?: string }) => (i.title ? 'Book' : 'Product') },
      Node: { __resolveType: (i: { title?: string }) => (i.title ? 'Book' : 'Product') },
      Product: {
        __resolveReference: ({ id }: { id: string }) => PRODUCTS.find((p) => p.id === id) ?? null,
        maker: (p: { maker: string }) => ({ id: p.maker, name: USERS[p.maker]?.name ?? 'unknown' }),
      },
      Book: { __resolveReference: ({ id }: { id: string }) => BOOKS.find((b) => b.id === id) ?? null },
    },
    // A subgraph that answers outside its own schema, which only a tampered answer can show.
    tamper: (query, data) => {
      if (/badInt/.test(query)) data.badInt = 'not an int';
      if (/badEnum/.test(query)) data.badEnum = 'FOOD';
      if (/badTypename/.test(query) && data.badTypename) (data.badTypename as Record<string, unknown>).__typename = 'Nope';
    },
  },
  reviews: {
    sdl: `${FED}
      type Product @key(fields: "id") { id: ID! weight: Int @external shippingEstimate: Int @requires(fields: "weight") reviews: [Review!]! topReview: Review }
      type Book @key(fields: "id") { id: ID! reviews: [Review!]! }
      type Review { id: ID! body: String! rating: Int! author: User }
      type User @key(fields: "id") { id: ID! reviewCount: Int! }`,
    resolvers: {
      Product: {
        __resolveReference: (ref: { id: string; weight?: number }) => ({ ...ref }),
        shippingEstimate: (p: { weight?: number | null }) => (p.weight == null ? null : p.weight * 2),
        reviews: (p: { id: string }) => REVIEWS.filter((r) => r.about === p.id),
        topReview: (p: { id: string }) => REVIEWS.find((r) => r.about === p.id) ?? null,
      },
      Book: {
        __resolveReference: (ref: { id: string }) => ref,
        reviews: (b: { id: string }) => REVIEWS.filter((r) => r.about === b.id),
      },
      Review: { author: (r: { author: string | null }) => (r.author ? { id: r.author } : null) },
      User: {
        __resolveReference: (ref: { id: string }) => ref,
        reviewCount: (u: { id: string }) => REVIEWS.filter((r) => r.author === u.id).length,
      },
    },
  },
  users: {
    sdl: `${FED}
      type User @key(fields: "id") { id: ID! name: String! @shareable email: String nickname: String! }
      type Query { me: User users: [User!]! }`,
    resolvers: {
      Query: { me: () => ({ id: '1' }), users: () => Object.keys(USERS).map((id) => ({ id })) },
      User: {
        // User 9 is known to the other subgraphs only: its entity is null here (a null key).
        __resolveReference: ({ id }: { id: string }) => (USERS[id] ? { id } : null),
        name: (u: { id: string }) => USERS[u.id]!.name,
        email: (u: { id: string }) => {
          if (u.id === '2') throw new Error('email is private');
          return `${USERS[u.id]!.name.toLowerCase()}@example.com`;
        },
        nickname: (u: { id: string }) => USERS[u.id]!.nickname,
      },
    },
  },
};

const PRODUCTS = [
  { id: 'p1', name: 'Hammer', price: 12, weight: 3, kind: 'TOOL', tags: ['steel', 'heavy'], maker: '1' },
  { id: 'p2', name: 'Saw', price: null, weight: null, kind: 'TOOL', tags: [], maker: '2' },
  { id: 'p3', name: 'Glue', price: 3, weight: 1, kind: 'TOOL', tags: ['sticky'], maker: '9' },
];
const BOOKS = [
  { id: 'b1', title: 'Dune', pages: 412 },
  { id: 'b2', title: 'Emma', pages: null },
];
const REVIEWS = [
  { id: 'r1', about: 'p1', body: 'Solid', rating: 5, author: '1' },
  { id: 'r2', about: 'p1', body: 'Heavy', rating: 3, author: '2' },
  { id: 'r3', about: 'b1', body: 'Sandy', rating: 4, author: '9' },
  { id: 'r4', about: 'p3', body: 'Anonymous', rating: 2, author: null },
];
const USERS: Record<string, { name: string; nickname: string | null }> = {
  '1': { name: 'Ada', nickname: 'ada' },
  '2': { name: 'Bob', nickname: null },
};

/** A subgraph over node:http: one JSON POST per request, its answer tampered with where the case says. */
async function serveSubgraph(schema: GraphQLSchema, tamper?: (query: string, data: Record<string, unknown>) => void) {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
      void Promise.resolve(execute({ schema, document: parse(body.query), variableValues: body.variables })).then((result) => {
        if (result.data && tamper) tamper(body.query, result.data as Record<string, unknown>);
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

const servers: http.Server[] = [];
let gateway: RunningGateway;

beforeAll(async () => {
  const services = [];
  for (const [name, { sdl, resolvers, tamper }] of Object.entries(SUBGRAPHS)) {
    const typeDefs = parse(sdl);
    const { server, url } = await serveSubgraph(buildSubgraphSchema([{ typeDefs, resolvers: resolvers as never }]), tamper);
    servers.push(server);
    services.push({ name, url, typeDefs });
  }
  const composed = composeServices(services);
  if (composed.errors) throw composed.errors[0];
  gateway = await startGateway({ supergraphSdl: composed.supergraphSdl, identity: null, log: testLog, port: 0, playground: false, web: false, protection: { rateLimits: false } });
});

afterAll(async () => {
  useCompiledShaping(true);
  await gateway?.close();
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

async function post(body: string) {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return `${response.status} ${await response.text()}`;
}

/** The answer with Apollo's shaping, then the compiled shaping's first and second answers. */
async function both(query: string, variables?: Record<string, unknown>) {
  const body = JSON.stringify({ query, variables });
  useCompiledShaping(false);
  const stock = await post(body);
  useCompiledShaping(true);
  const before = { ...shapingStats };
  const compiled = [await post(body), await post(body)];
  return { stock, compiled, ran: shapingStats.compiled - before.compiled, gaveUp: shapingStats.gaveUp - before.gaveUp };
}

const ORDINARY: [string, string, Record<string, unknown>?][] = [
  ['a list of entities across three subgraphs', '{ products { id name price kind tags reviews { body rating author { id name reviewCount } } } }'],
  ['@requires', '{ products { id shippingEstimate weight } }'],
  ['@provides', '{ product(id: "p1") { maker { id name } } }'],
  ['aliases, the same field twice and aliased __typename', '{ a: products { id n: name } products { id } b: products { t: __typename name } products { name __typename } }'],
  ['fragments on a union', '{ items { __typename ... on Product { id name reviews { id } } ... on Book { title pages reviews { body } } } }'],
  ['fragments on an interface, nulls in a nullable list', '{ nodes { id __typename ... on Book { title } ... on Product { name topReview { body } } } }'],
  ['named fragments and nested fragments', 'query Q { item(id: "b1") { ...I } node(id: "p1") { ...N } } fragment I on Item { ... on Book { ...B } ... on Product { id } } fragment B on Book { id title } fragment N on Node { id ... on Product { ...P } } fragment P on Product { name kind }'],
  ['a fragment on the parent type and on an abstract type inside a concrete one', '{ product(id: "p1") { ... on Product { id } ... on Node { id } ...on Product { reviews { ... on Review { rating } } } } }'],
  ['@skip and @include with variables, defaults and literals', 'query S($a: Boolean!, $b: Boolean = true, $c: Boolean = false) { products { id name @skip(if: $a) price @include(if: $b) kind @include(if: $c) tags @skip(if: false) ... on Product @include(if: $a) { weight } reviews @skip(if: $c) { id } } }', { a: true }],
  ['@skip and @include the other way', 'query S($a: Boolean!, $b: Boolean = true, $c: Boolean = false) { products { id name @skip(if: $a) price @include(if: $b) kind @include(if: $c) ... on Product @include(if: $a) { weight } } }', { a: false, b: false, c: true }],
  ['nulls in nullable positions and empty lists', '{ product(id: "p2") { id price weight shippingEstimate tags topReview { id } reviews { id } } missing: product(id: "nope") { id } }'],
  ['introspection beside data', '{ __typename __schema { queryType { name } } __type(name: "Item") { name kind possibleTypes { name } } me { id name } }'],
  ['a query with the root __typename only', '{ __typename }'],
  ['variables in arguments', 'query V($id: ID!) { item(id: $id) { ... on Book { title reviews { author { id } } } } }', { id: 'b2' }],
];

const FAULTY: [string, string][] = [
  ['a subgraph error on a nullable field of an entity', '{ users { id name email } }'],
  ['a subgraph error on a nullable root field', '{ failing products { id } }'],
  ['a subgraph error on a non-null root field', '{ failingRequired { id } products { id } }'],
  ['a null key: an entity its subgraph cannot find, with a non-null field', '{ products { id maker { id name nickname } } }'],
  ['a null in a non-null position from a subgraph', '{ users { id nickname } }'],
  ['a null entity inside a list of non-null items', '{ item(id: "b1") { ... on Book { reviews { author { id nickname email } } } } }'],
  ['an invalid Int from a subgraph', '{ badInt products { id } }'],
  ['an invalid enum value from a subgraph', '{ badEnum }'],
  ['an invalid __typename from a subgraph', '{ badTypename { __typename ... on Book { title } } }'],
];

describe('compiled result shaping answers as @apollo/gateway does, byte for byte', () => {
  it.each(ORDINARY)('%s (shaped by the compiled code)', async (_name, query, variables) => {
    const { stock, compiled, ran, gaveUp } = await both(query, variables);
    expect(stock).toMatch(/^200 \{"data":/);
    expect(compiled[0]).toBe(stock);
    expect(compiled[1]).toBe(stock);
    expect(ran).toBe(2);
    expect(gaveUp).toBe(0);
  });

  it.each(FAULTY)('%s (Apollo shapes it, same errors and paths)', async (_name, query) => {
    const { stock, compiled } = await both(query);
    // A subgraph's errors are `errors`; what the shaping finds is `extensions.valueCompletion`.
    expect(stock).toMatch(/"errors":|"valueCompletion":/);
    expect(compiled[0]).toBe(stock);
    expect(compiled[1]).toBe(stock);
  });

  it('gives up to Apollo on a null in a non-null position rather than answering it itself', async () => {
    const { gaveUp, stock } = await both('{ product(id: "p3") { id maker { id nickname } } }');
    expect(stock).toContain('"valueCompletion":[{"message":"Cannot return null for non-nullable field User.nickname.","path":["product","maker","nickname"]');
    expect(gaveUp).toBe(2);
  });

  it('answers alike with a subgraph down', async () => {
    // Last: the users subgraph stops for good.
    const users = servers[2]!;
    users.closeAllConnections();
    await new Promise((resolve) => users.close(resolve));
    for (const query of ['{ products { id name maker { id name nickname } reviews { author { id name } } } }', '{ me { id name } products { id } }', '{ users { id } }']) {
      const { stock, compiled } = await both(query);
      expect(stock).toContain('"errors":');
      expect(compiled[0]).toBe(stock);
      expect(compiled[1]).toBe(stock);
    }
  });
});
