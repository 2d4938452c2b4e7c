import { composeServices } from '@apollo/composition';
import { createTestDatabase, TEST_INTERNAL_SECRET, testLog, type TestDatabase } from '@organoise/core/testing';
import { startUserSubgraph, typeDefs, type UserSubgraph } from '@organoise/subgraph-user';
import type { GatewayOptions } from '../src/index.js';

export const TEST_ISSUER = 'organoise-test';

export interface UserGraph {
  db: TestDatabase;
  user: UserSubgraph;
  /** Options for a gateway over a supergraph of just the user subgraph, with identity on. */
  gatewayOptions: GatewayOptions;
  close(): Promise<void>;
}

/**
 * The smallest real graph for gateway tests: the user subgraph on a fresh database, composed
 * alone. The four-subgraph graph is exercised in e2e/.
 */
export async function startUserGraph(): Promise<UserGraph> {
  const db = await createTestDatabase();
  const user = await startUserSubgraph({
    database: { url: db.url, dataDir: db.dataDir },
    internalTokenSecret: TEST_INTERNAL_SECRET,
    tokens: { issuer: TEST_ISSUER, ttlSeconds: 600 },
    sessionTtlSeconds: 3600,
    log: testLog,
  });
  const composed = composeServices([{ name: 'user', url: user.url, typeDefs }]);
  if (composed.errors) throw composed.errors[0];
  return {
    db,
    user,
    gatewayOptions: {
      supergraphSdl: composed.supergraphSdl,
      internalTokenSecret: TEST_INTERNAL_SECRET,
      identity: { issuer: TEST_ISSUER, principalCacheMs: 60_000 },
      log: testLog,
    },
    close: async () => {
      await user.close();
      await db.drop();
    },
  };
}
