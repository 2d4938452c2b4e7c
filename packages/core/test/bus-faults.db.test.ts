import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog, followStream, MemoryPubSub, openDatabase, publishesSettled, RedisEventPubSub, startEventBus, transactionWithEvents, type EventBus, type EventMessage, type OpenDatabase } from '../src/index.js';
import { createTestDatabase, startPrivateRedis, testLog, waitFor, type PrivateRedis, type TestDatabase } from '../src/testing/index.js';
import { events, eventStreams } from './fixtures/event-schema.js';

// Redis down, as a drill: this file's own redis-server on a free port is killed and started
// again (the machine's shared Redis is never touched). The log is the truth; the bus only
// speeds delivery up. On each database through the vitest projects.
const MIGRATIONS = fileURLToPath(new URL('./fixtures/event-migrations', import.meta.url));

let testDb: TestDatabase;
let database: OpenDatabase;
let redis: PrivateRedis;
let pubsub: RedisEventPubSub;
let bus: EventBus;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ url: testDb.url, dataDir: testDb.dataDir, schema: 'events_test', migrationsFolder: MIGRATIONS });
  redis = await startPrivateRedis();
  pubsub = new RedisEventPubSub(redis.url, () => {});
  bus = { log: new EventLog(database.db, { events, eventStreams }), pubsub, prefix: `organoise-test-${randomUUID()}` };
  await waitFor(() => pubsub.healthy(), 'the bus to connect');
});

afterAll(async () => {
  await pubsub?.close();
  await redis?.stop();
  await database?.close();
  await testDb?.drop();
});

const write = (stream: string) => transactionWithEvents(database.db, bus, (tx, emit) => emit({ stream, type: 'drill', payload: {} }));

describe('the event bus while Redis is down', () => {
  it('answers writes without Redis, delivers them from the log, starts new followers, and goes live again when Redis returns', async () => {
    const stream = `drill-${randomUUID()}`;
    const early: number[] = [];
    const failures: unknown[] = [];
    // pollIntervalMs 0: without the degraded poll, nothing but Redis could deliver.
    const first = await followStream({ bus, stream, pollIntervalMs: 0, onEvent: (e) => void early.push(e.seq), onError: (e) => void failures.push(e) });
    await write(stream);
    await waitFor(() => early.length === 1, 'the first event, live');

    await redis.stop();
    await waitFor(() => !pubsub.healthy(), 'the bus to see Redis gone');
    const down = Date.now();
    // Each write commits and answers while Redis is still down (before, it waited for Redis).
    const saved = await write(stream);
    expect(saved.seq).toBe(2);
    expect(pubsub.healthy()).toBe(false);
    await waitFor(() => early.length === 2, 'the event read from the log while Redis is down');
    const deliveredDownMs = Date.now() - down;

    // A follower that starts (and resumes from a cursor) while Redis is down does not hang.
    const late: number[] = [];
    const second = await followStream({ bus, stream, after: 0, pollIntervalMs: 0, onEvent: (e) => void late.push(e.seq), onError: (e) => void failures.push(e) });
    expect(pubsub.healthy()).toBe(false);
    await write(stream);
    await waitFor(() => early.length === 3 && late.length === 3, 'the third event on both');

    await redis.start();
    const back = Date.now();
    await waitFor(() => pubsub.healthy(), 'the bus to reconnect', 20_000);
    const reconnectMs = Date.now() - back;
    // Live again: with the bus healthy, nothing but Redis delivers (no poll when healthy).
    await waitFor(async () => {
      await write(stream);
      return early.length >= 4 && late.length >= 4;
    }, 'an event delivered live after Redis returned', 20_000);
    const last = Math.max(...early);
    await waitFor(() => late.length === early.length, 'both followers level');
    expect(early).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(late).toEqual(early);
    expect(failures).toEqual([]);
    console.log(`Redis-down drill: an event committed with Redis down reached its follower after ${deliveredDownMs} ms; the bus reconnected ${reconnectMs} ms after Redis restarted`);
    await Promise.all([first.close(), second.close()]);
  });

  it('reports the bus as degraded (not unready) while Redis is down', async () => {
    const running = startEventBus(database.db, { events, eventStreams }, bus.prefix, { pubsub }, testLog);
    try {
      expect(running.degraded()).toEqual([]);
      await redis.stop();
      await waitFor(() => running.degraded().includes('pubsub'), 'the bus to report Redis gone');
      await redis.start();
      await waitFor(() => running.degraded().length === 0, 'the bus to report Redis back', 20_000);
    } finally {
      await running.close();
    }
  });

  it("publishes again, in order, what it could not publish while the bus was down, so a channel's listener gets it late rather than never; a message a healthy bus refuses is skipped", async () => {
    // A stand-in for Redis seen from this process only (the listener's side stays up, as a gateway
    // whose own connection is fine while this subgraph's is not): publish fails while `down`.
    class Unreachable extends MemoryPubSub {
      down = false;
      refuse = new Set<number>();
      override async publish(channel: string, message: EventMessage): Promise<void> {
        if (this.down) throw new Error('Redis is unreachable');
        if (this.refuse.has(message.seq)) throw new Error('refused');
        return super.publish(channel, message);
      }
      override healthy(): boolean {
        return !this.down;
      }
    }
    const flaky = new Unreachable();
    const flakyBus: EventBus = { log: bus.log, pubsub: flaky, prefix: `organoise-test-${randomUUID()}` };
    const stream = `republish-${randomUUID()}`;
    const heard: number[] = [];
    await flaky.subscribe(`${flakyBus.prefix}:${stream}`, (m) => void heard.push(m.seq));
    const emitOne = () => transactionWithEvents(database.db, flakyBus, (tx, emit) => emit({ stream, type: 'drill', payload: {} }));

    await emitOne();
    await waitFor(() => heard.length === 1, 'the first event');
    flaky.down = true;
    await emitOne();
    await emitOne();
    await publishesSettled(flakyBus);
    expect(heard).toEqual([1]);
    flaky.down = false;
    // Retried within a second or so; a write meanwhile follows them, never overtakes them.
    await emitOne();
    await waitFor(() => heard.length === 4, 'the held events, then the new one', 20_000);
    expect(heard).toEqual([1, 2, 3, 4]);

    // Healthy, but this one message refused: it is left to the log and the next goes out.
    flaky.refuse.add(5);
    await emitOne();
    await emitOne();
    await waitFor(() => heard.length === 5, 'the event after the refused one');
    expect(heard).toEqual([1, 2, 3, 4, 6]);
    await flaky.close();
  });
});
