import { createTestDatabase, postGraphQL, TEST_INTERNAL_SECRET, testEnv, testLog, type GraphQLResponse, type TestDatabase } from '@organoise/core/testing';
import { databaseUrlsFrom, SUBGRAPH_NAMES, type Logger } from '@organoise/core';
import type { SubscriptionLimits } from '@organoise/gateway';
import { DEMO_PASSWORD, DEMO_USERS, startPlatform, type Platform, type PlatformOptions, type SubgraphName } from '@organoise/platform';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPlatformOptions {
  /** Share events through the real Redis (replica tests) instead of in-process pub/sub. */
  redis?: boolean;
  /** Run on another platform's database, as a second replica of every service. */
  database?: TestDatabase;
  subscriptions?: Partial<SubscriptionLimits>;
  /** Serve the built playground to browsers at /graphql. */
  playground?: boolean;
  /** Serve the built web app (web/dist) at /. */
  web?: boolean;
  /** Introspection on the gateway (default on; `npm start` in production turns it off). */
  introspection?: boolean;
  /** Settings of the user subgraph (e.g. OpenID Connect providers). */
  user?: PlatformOptions['user'];
  /** Settings of the file subgraph (its processing worker). */
  file?: PlatformOptions['file'];
  /** Gateway protections (rate limits) and trusted proxies (X-Forwarded-For). */
  gateway?: PlatformOptions['gateway'];
  /** How long the gateway reuses a session's or API key's lookup (default 1 s). */
  principalCacheMs?: number;
  /** Where every service logs (default: the test log, quiet). */
  log?: Logger;
  /** The gateway's port, for a test that must know the app's origin first (an OIDC redirect URI); default a free one. */
  gatewayPort?: number;
}

export interface TestPlatform extends Platform {
  database: TestDatabase;
  /** SQL statements each subgraph ran since the last reset (to prove batching). */
  queries: Record<SubgraphName, string[]>;
  resetQueries(): void;
  /** POSTs to the gateway, with a bearer token when given. */
  gql<D = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<D>>;
  /** An access token of `email` (by default a demo person's password) through signIn; throws with the API's errors if refused. */
  tokenOf(email: string, password?: string): Promise<string>;
  /** Access tokens of seedDemo's people, by their role in the demo organization. */
  demoTokens(): Promise<Record<DemoRole, string>>;
  stop(): Promise<void>;
}

export type DemoRole = (typeof DEMO_USERS)[number]['role'];

/**
 * The whole platform on free ports, on a fresh database (one Postgres database shared by the
 * subgraphs, each in its own schema, or an in-memory PGlite each), serving the committed
 * supergraph: e2e tests see exactly what a client of `npm start` sees.
 */
export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const db = options.database ?? (await createTestDatabase());
  const fileDir = mkdtempSync(join(tmpdir(), 'organoise-files-'));
  const queries = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, []])) as unknown as Record<SubgraphName, string[]>;
  const platform = await startPlatform({
    databaseUrls: databaseUrlsFrom({ DATABASE_URL: db.url }),
    dataDir: 'memory',
    fileStorageDir: fileDir,
    internalTokenSecret: TEST_INTERNAL_SECRET,
    accessTokenIssuer: 'organoise-e2e',
    log: options.log ?? testLog,
    onQuery: (subgraph, sql) => queries[subgraph].push(sql),
    redisUrl: options.redis ? testEnv.TEST_REDIS_URL : undefined,
    playground: options.playground ?? false,
    web: options.web ?? false,
    ...(options.introspection !== undefined ? { introspection: options.introspection } : {}),
    subscriptions: { authRecheckMs: 200, ...options.subscriptions },
    ...(options.user ? { user: options.user } : {}),
    ...(options.file ? { file: options.file } : {}),
    ...(options.gateway ? { gateway: options.gateway } : {}),
    ...(options.principalCacheMs !== undefined ? { principalCacheMs: options.principalCacheMs } : {}),
    ...(options.gatewayPort !== undefined ? { ports: { gateway: options.gatewayPort } } : {}),
  });
  const gql: TestPlatform['gql'] = (query, variables = {}, token) => postGraphQL(platform.gateway.url, query, variables, token ? { authorization: `Bearer ${token}` } : {});
  const tokenOf = async (email: string, password: string = DEMO_PASSWORD) => {
    const res = await gql(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email, password } });
    if (!res.data?.signIn) throw new Error(`${email} could not sign in: ${JSON.stringify(res.errors)}`);
    return res.data.signIn.accessToken as string;
  };
  return {
    ...platform,
    database: db,
    queries,
    resetQueries: () => {
      for (const list of Object.values(queries)) list.length = 0;
    },
    gql,
    tokenOf,
    demoTokens: async () => {
      // One after another, as people sign in: four argon2 checks at once would only queue on two cores.
      const tokens = {} as Record<DemoRole, string>;
      for (const u of DEMO_USERS) tokens[u.role] = await tokenOf(u.email);
      return tokens;
    },
    stop: async () => {
      await platform.close();
      if (!options.database) await db.drop();
      rmSync(fileDir, { recursive: true, force: true });
    },
  };
}
