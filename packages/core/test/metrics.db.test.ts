import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog, followStream, MemoryPubSub, metricsText, openDatabase, transactionWithEvents, type EventBus, type OpenDatabase } from '../src/index.js';
import { createTestDatabase, waitFor, type TestDatabase } from '../src/testing/index.js';
import { events, eventStreams } from './fixtures/event-schema.js';

// Core's metrics that a subgraph feeds without the gateway: event delivery lag, SQL statements and
// the Postgres pool (postgres.js is wrapped where core opens it; PGlite has no pool).
const MIGRATIONS = fileURLToPath(new URL('./fixtures/event-migrations', import.meta.url));

/** The value of one series in the registry now (0 when absent). */
async function value(series: string): Promise<number> {
  const line = (await metricsText()).split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

let testDb: TestDatabase;
let database: OpenDatabase;
let bus: EventBus;

beforeAll(async () => {
  testDb = await createTestDatabase();
  // `metrics_test` names no subgraph: the service label is the schema's name.
  database = await openDatabase({ url: testDb.url, dataDir: testDb.dataDir, schema: 'metrics_test', migrationsFolder: MIGRATIONS });
  bus = { log: new EventLog(database.db, { events, eventStreams }), pubsub: new MemoryPubSub(), prefix: 'organoise:metrics-test' };
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

describe('subgraph metrics', () => {
  it("should observe each delivered event's lag from its commit, by service and stream kind", async () => {
    const series = 'organoise_event_delivery_lag_seconds_count{service="metrics-test",stream="run"}';
    const before = await value(series);
    const seen: number[] = [];
    const following = await followStream({ bus, stream: 'run:42', onEvent: (e) => void seen.push(e.seq), onError: () => {} });
    try {
      for (let i = 0; i < 3; i++) await transactionWithEvents(database.db, bus, async (_tx, emit) => emit({ stream: 'run:42', type: 't', payload: { i } }));
      await waitFor(() => seen.length === 3, 'three events delivered');
      expect(await value(series)).toBe(before + 3);
    } finally {
      await following.close();
    }
  });

  it.runIf(process.env.TEST_DATABASE === 'postgres')('should time every SQL statement, in and out of transactions, and show the pool', async () => {
    const series = 'organoise_db_query_duration_seconds_count{service="metrics_test"}';
    const before = await value(series);
    await database.db.execute(sql`select 1`);
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`select 2`);
      await tx.transaction(async (inner) => void (await inner.execute(sql`select 3`)));
    });
    // begin, select 2, savepoint, select 3, release, commit: postgres.js sends begin/commit itself.
    expect(await value(series)).toBeGreaterThanOrEqual(before + 3);
    expect(await value('organoise_db_pool_max{service="metrics_test"}')).toBe(10);
    expect(await value('organoise_db_pool_in_use{service="metrics_test"}')).toBe(0);
  });
});
