import { INTERNAL_TOKEN_HEADER, signInternalToken, type PubSub, type Viewer } from '@organoise/core';
import { createTestDatabase, postGraphQL, TEST_INTERNAL_SECRET, testLog, type GraphQLResponse, type TestDatabase } from '@organoise/core/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll } from 'vitest';
import { startUserSubgraph, SUBGRAPH_NAME, type UserSubgraph, type UserSubgraphOptions } from '../../src/index.js';

/** What a test file sets; the database, secret and log are the helper's, and tokens and sessions have defaults. */
export type TestSettings = Omit<UserSubgraphOptions, 'database' | 'internalTokenSecret' | 'log' | 'tokens' | 'sessionTtlSeconds'> &
  Partial<Pick<UserSubgraphOptions, 'tokens' | 'sessionTtlSeconds'>>;

export interface TestUserSubgraph {
  /** The running subgraph (from the helper's beforeAll on). */
  readonly server: UserSubgraph;
  /**
   * Calls the subgraph as the gateway would: for `viewer`, from client address `ip` (by default
   * the file's address given to useUserSubgraph; null sends none).
   */
  call(query: string, variables?: Record<string, unknown>, viewer?: Viewer | null, ip?: string | null): Promise<GraphQLResponse>;
}

/**
 * Starts the user subgraph on a fresh test database before the file's tests (a beforeAll
 * registered where this is called, so hooks registered after it see it running) and stops it
 * after them. `settings` may be a function, for settings known only once earlier hooks ran.
 */
export function useUserSubgraph(settings: TestSettings | (() => TestSettings) = {}, defaults: { ip?: string | null } = {}): TestUserSubgraph {
  let db: TestDatabase | undefined;
  let server: UserSubgraph | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startUserSubgraph({
      database: { url: db.url, dataDir: db.dataDir },
      internalTokenSecret: TEST_INTERNAL_SECRET,
      tokens: { issuer: 'organoise-test', ttlSeconds: 600 },
      sessionTtlSeconds: 86_400,
      log: testLog,
      ...(typeof settings === 'function' ? settings() : settings),
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });
  const running = () => {
    if (!server) throw new Error('the user subgraph starts in beforeAll');
    return server;
  };
  const defaultIp = defaults.ip ?? null;
  return {
    get server() {
      return running();
    },
    call: async (query, variables = {}, viewer = null, ip = defaultIp) =>
      postGraphQL(running().url, query, variables, { [INTERNAL_TOKEN_HEADER]: await signInternalToken(TEST_INTERNAL_SECRET, SUBGRAPH_NAME, viewer, ip) }),
  };
}

/** The viewer an access token stands for (no memberships: tests add what they need). */
export function viewerOf(accessToken: string): Viewer {
  const claims = decodeJwt(accessToken);
  return { userId: claims.sub!, sessionId: claims.sid as string, memberships: {} };
}

/**
 * useUserSubgraph on its own PubSub from `createPubSub` (one of PUBSUB_IMPLEMENTATIONS, for the
 * tests that run over each): made before the subgraph starts, closed after it stops (hooks after
 * the tests run in reverse order).
 */
export function useUserSubgraphOn(createPubSub: () => PubSub, settings: TestSettings = {}, defaults: { ip?: string | null } = {}): TestUserSubgraph & { readonly pubsub: PubSub } {
  let pubsub: PubSub | undefined;
  beforeAll(() => {
    pubsub = createPubSub();
  });
  afterAll(async () => {
    await pubsub?.close();
  });
  const subgraph = useUserSubgraph(() => ({ sessionTtlSeconds: 3600, ...settings, pubsub: pubsub! }), defaults);
  return {
    get server() {
      return subgraph.server;
    },
    call: subgraph.call,
    get pubsub() {
      if (!pubsub) throw new Error('the PubSub is made in beforeAll');
      return pubsub;
    },
  };
}
