import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelOf, EventLog, followStream, MemoryPubSub, openDatabase, toMessage, transactionWithEvents, type EventBus, type OpenDatabase } from '../src/index.js';
import { startPrivatePostgres, waitFor, type PrivatePostgres } from '../src/testing/index.js';
import { events, eventStreams } from './fixtures/event-schema.js';

// A database restart under a live follower, as a drill: this file's own PostgreSQL (initdb on a
// free port) is stopped as a crash would stop it and started again; the machine's shared server
// is never touched.
const MIGRATIONS = fileURLToPath(new URL('./fixtures/event-migrations', import.meta.url));

let pg: PrivatePostgres;
let database: OpenDatabase;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  database = await openDatabase({ url: pg.url, schema: 'events_test', migrationsFolder: MIGRATIONS });
}, 120_000);

afterAll(async () => {
  await database?.close();
  await pg?.destroy();
});

describe('a follower across a database restart', () => {
  it('keeps its cursor and delivers every event once, in order, after the database returns', async () => {
    const tables = { events, eventStreams };
    const pubsub = new MemoryPubSub();
    const bus: EventBus = { log: new EventLog(database.db, tables), pubsub, prefix: `organoise-test-${randomUUID()}` };
    // Another replica: same database, its own bus, so its publishes never reach ours.
    const otherReplica: EventBus = { ...bus, pubsub: new MemoryPubSub() };
    const stream = `restart-${randomUUID()}`;
    const seen: number[] = [];
    const failures: unknown[] = [];
    const transient: unknown[] = [];
    const following = await followStream({
      bus,
      stream,
      pollIntervalMs: 0,
      onEvent: (e) => void seen.push(e.seq),
      onError: (e) => void failures.push(e),
      onTransientError: (e) => void transient.push(e),
    });
    await transactionWithEvents(database.db, bus, (_tx, emit) => emit({ stream, type: 'one', payload: {} }));
    await waitFor(() => seen.length === 1, 'the first event');
    const [, third] = [
      await transactionWithEvents(database.db, otherReplica, (_tx, emit) => emit({ stream, type: 'two', payload: {} })),
      await transactionWithEvents(database.db, otherReplica, (_tx, emit) => emit({ stream, type: 'three', payload: {} })),
    ];

    await pg.stop();
    // The third event is announced while this replica cannot read the log: the gap (2) cannot be filled now.
    await pubsub.publish(channelOf(bus, stream), toMessage(third));
    await waitFor(() => transient.length > 0, 'the failed read');
    expect(failures).toEqual([]);
    const down = Date.now();
    await pg.start();
    await waitFor(() => seen.length === 3, 'the events read from the cursor once the database is back', 30_000);
    const recoveredMs = Date.now() - down;
    await transactionWithEvents(database.db, bus, (_tx, emit) => emit({ stream, type: 'four', payload: {} }));
    await waitFor(() => seen.length === 4, 'a live event after the restart');
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(failures).toEqual([]);
    console.log(`Postgres-restart drill: the follower caught up ${recoveredMs} ms after the database was started again`);
    await following.close();
  });
});
