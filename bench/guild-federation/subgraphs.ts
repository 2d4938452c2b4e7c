import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
// The CommonJS build by name, the one @apollo/subgraph loads: a bundler (vitest) would otherwise
// pick graphql's ESM build for this file, and a schema from one copy fails in the other's validate.
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql/index.js';
import type { GuildData, SubgraphName } from './workload.js';

// The four subgraphs of the graphql-hive federation benchmark, with the reference (Rust)
// subgraphs' quirks that expected.json depends on. They are not what is measured, so they are
// made cheap: node:http, documents parsed and validated once, and each distinct request body
// executed once (the data never changes, so the same body always has the same answer).

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@external", "@provides", "@requires"])';

const SDL: Record<SubgraphName, string> = {
  accounts: `${LINK}
    type Query { me: User user(id: ID!): User users: [User] }
    type User @key(fields: "id") { id: ID! name: String username: String birthday: Int }`,
  products: `${LINK}
    type Query { topProducts(first: Int = 5): [Product] }
    type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
  inventory: `${LINK}
    type Product @key(fields: "upc") {
      upc: String! @external
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }`,
  reviews: `${LINK}
    type Review @key(fields: "id") { id: ID! body: String product: Product author: User @provides(fields: "username") }
    type User @key(fields: "id") { id: ID! @external username: String @external reviews: [Review] }
    type Product @key(fields: "upc") { upc: String! @external reviews: [Review] }`,
};

type Resolvers = Record<string, Record<string, unknown>>;
type Review = GuildData['reviews'][number];

function resolversOf(name: SubgraphName, data: GuildData): Resolvers {
  switch (name) {
    case 'accounts':
      return {
        Query: {
          me: () => data.users[0],
          user: (_: unknown, { id }: { id: string }) => data.users.find((u) => u.id === id),
          users: () => data.users,
        },
        User: { __resolveReference: ({ id }: { id: string }) => data.users.find((u) => u.id === id) },
      };
    case 'products':
      return {
        Query: { topProducts: (_: unknown, { first }: { first: number }) => data.products.slice(0, first) },
        Product: { __resolveReference: ({ upc }: { upc: string }) => data.products.find((p) => p.upc === upc) },
      };
    case 'inventory':
      return {
        Product: {
          // The reference looks the product up by upc alone and drops the price and weight the
          // gateway sends for @requires, so shippingEstimate is always null.
          __resolveReference: ({ upc }: { upc: string }) => data.inventory.find((p) => p.upc === upc),
          shippingEstimate: ({ price, weight }: { price?: number | null; weight?: number | null }) => {
            if (price == null) return null;
            if (price > 1000) return 0;
            return weight == null ? null : Math.trunc(weight / 2);
          },
        },
      };
    case 'reviews': {
      // The reference gives every user (and every review's author) the first two reviews.
      const firstTwo = data.reviews.slice(0, 2);
      return {
        Review: {
          __resolveReference: ({ id }: { id: string }) => data.reviews.find((r) => r.id === id),
          product: (review: Review) => ({ upc: review.upc }),
          author: () => ({ id: '1', username: 'urigo', reviews: firstTwo }),
        },
        User: { __resolveReference: ({ id }: { id: string }) => ({ id, username: 'user', reviews: firstTwo }) },
        Product: {
          __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
          reviews: ({ upc }: { upc: string }) => data.reviews.filter((r) => r.upc === upc),
        },
      };
    }
  }
}

export function buildGuildSubgraphSchema(name: SubgraphName, data: GuildData): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: parse(SDL[name]), resolvers: resolversOf(name, data) as never }]);
}

/** Bounds the memo of answers; the benchmark's gateways send a few dozen distinct bodies. */
const MAX_MEMO = 10_000;

function graphqlHandler(schema: GraphQLSchema): http.RequestListener {
  const documents = new Map<string, DocumentNode | readonly Error[]>();
  const answers = new Map<string, Buffer>();
  const send = (res: http.ServerResponse, status: number, body: Buffer) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  };
  return (req, res) => {
    if (req.method !== 'POST') return send(res, 405, Buffer.from('{"errors":[{"message":"POST only"}]}'));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const known = answers.get(raw);
      if (known) return send(res, 200, known);
      void answer(raw).then(
        ({ status, body, memo }) => {
          if (memo) {
            if (answers.size >= MAX_MEMO) answers.clear();
            answers.set(raw, body);
          }
          send(res, status, body);
        },
        (error: unknown) => send(res, 500, Buffer.from(JSON.stringify({ errors: [{ message: String(error) }] }))),
      );
    });
  };

  async function answer(raw: string): Promise<{ status: number; body: Buffer; memo: boolean }> {
    let request: { query?: unknown; variables?: Record<string, unknown>; operationName?: string };
    try {
      request = JSON.parse(raw) as typeof request;
    } catch {
      return { status: 400, body: Buffer.from('{"errors":[{"message":"invalid JSON"}]}'), memo: false };
    }
    if (typeof request.query !== 'string') return { status: 400, body: Buffer.from('{"errors":[{"message":"no query"}]}'), memo: false };
    let document = documents.get(request.query);
    if (!document) {
      try {
        const parsed = parse(request.query);
        const errors = validate(schema, parsed);
        document = errors.length > 0 ? errors : parsed;
      } catch (error) {
        document = [error as Error];
      }
      documents.set(request.query, document);
    }
    if (Array.isArray(document)) {
      return { status: 400, body: Buffer.from(JSON.stringify({ errors: document.map((e) => ({ message: e.message })) })), memo: false };
    }
    const result = await execute({
      schema,
      document: document as DocumentNode,
      variableValues: request.variables ?? null,
      operationName: request.operationName ?? null,
    });
    return { status: 200, body: Buffer.from(JSON.stringify(result)), memo: !result.errors };
  }
}

export interface RunningSubgraphs {
  /** GraphQL endpoint of each subgraph, by name. */
  urls: Record<SubgraphName, string>;
  close(): Promise<void>;
}

/** Starts the four subgraphs on free loopback ports, in this process. */
export async function startGuildSubgraphs(data: GuildData, host = '127.0.0.1'): Promise<RunningSubgraphs> {
  const servers: http.Server[] = [];
  const urls = {} as Record<SubgraphName, string>;
  const close = async () => {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  };
  try {
    for (const name of ['accounts', 'products', 'inventory', 'reviews'] as const) {
      const server = http.createServer(graphqlHandler(buildGuildSubgraphSchema(name, data)));
      // Longer than any gateway's idle pool timeout, so a pooled socket is never closed under it.
      server.keepAliveTimeout = 60_000;
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
      urls[name] = `http://${host}:${(server.address() as AddressInfo).port}/graphql`;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { urls, close };
}
