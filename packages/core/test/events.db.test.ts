import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventLog,
  MemoryPubSub,
  RedisEventPubSub,
  followStream,
  openDatabase,
  transactionWithEvents,
  type EventBus,
  type EventMessage,
  type OpenDatabase,
  type PubSub,
} from '../src/index.js';
import { createTestDatabase, testEnv, type TestDatabase, waitFor } from '../src/testing/index.js';
import { events, eventStreams } from './fixtures/event-schema.js';

// One contract suite for the event bus (docs/protocols/subscriptions.md), run over each PubSub
// implementation (memory, Redis on 127.0.0.1:6379) and, through the vitest projects, each
// database (PGlite, PostgreSQL).
const MIGRATIONS = fileURLToPath(new URL('./fixtures/event-migrations', import.meta.url));

let testDb: TestDatabase;
let database: OpenDatabase;
let log: EventLog;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ url: testDb.url, dataDir: testDb.dataDir, schema: 'events_test', migrationsFolder: MIGRATIONS });
  log = new EventLog(database.db, { events, eventStreams });
});

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});


const implementations: [string, () => PubSub][] = [
  ['memory', () => new MemoryPubSub()],
  ['Redis', () => new RedisEventPubSub(testEnv.TEST_REDIS_URL)],
];

describe.each(implementations)('PubSub over %s', (_name, create) => {
  let pubsub: PubSub;
  const prefix = `organoise-test-${randomUUID()}`;
  const message = (seq: number): EventMessage => ({ stream: 's', seq, type: 't', organizationId: null, payload: { seq }, createdAt: new Date().toISOString() });

  beforeAll(() => {
    pubsub = create();
  });
  afterAll(async () => {
    await pubsub.close();
  });

  it('delivers to every subscriber of a channel, and to no other channel', async () => {
    const a: number[] = [];
    const b: number[] = [];
    const other: number[] = [];
    const unsubs = [
      await pubsub.subscribe(`${prefix}:one`, (m) => a.push(m.seq)),
      await pubsub.subscribe(`${prefix}:one`, (m) => b.push(m.seq)),
      await pubsub.subscribe(`${prefix}:two`, (m) => other.push(m.seq)),
    ];
    await pubsub.publish(`${prefix}:one`, message(1));
    await waitFor(() => a.length === 1 && b.length === 1, 'both subscribers');
    expect(other).toEqual([]);
    for (const u of unsubs) await u();
  });

  it("keeps one publisher's order on a channel and stops after unsubscribe", async () => {
    const seen: number[] = [];
    const unsubscribe = await pubsub.subscribe(`${prefix}:order`, (m) => seen.push(m.seq));
    for (let seq = 1; seq <= 50; seq++) void pubsub.publish(`${prefix}:order`, message(seq));
    await waitFor(() => seen.length === 50, '50 messages');
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await unsubscribe();
    await pubsub.publish(`${prefix}:order`, message(51));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toHaveLength(50);
    expect(pubsub.activeChannels().filter((c) => c.startsWith(prefix))).toEqual([]);
  });
});

describe.each(implementations)('event bus over %s', (name, create) => {
  let bus: EventBus;

  beforeAll(() => {
    bus = { log, pubsub: create(), prefix: `organoise-test-${randomUUID()}` };
  });
  afterAll(async () => {
    await bus.pubsub.close();
  });

  const stream = () => `test:${randomUUID()}`;
  const emitOne = (s: string, n: number) =>
    transactionWithEvents(database.db, bus, async (_tx, emit) => {
      await emit({ stream: s, type: 'thing.happened', payload: { n } });
    });

  async function collect(s: string, after?: number) {
    const seen: EventMessage[] = [];
    const errors: unknown[] = [];
    const following = await followStream({ bus, stream: s, after, onEvent: (e) => void seen.push(e), onError: (e) => void errors.push(e) });
    return { seen, errors, following, seqs: () => seen.map((e) => e.seq) };
  }

  it('delivers events committed after it started, in order, once each', async () => {
    const s = stream();
    await emitOne(s, 0); // before: not delivered without a cursor
    const f = await collect(s);
    for (let n = 1; n <= 5; n++) await emitOne(s, n);
    await waitFor(() => f.seen.length === 5, 'five events');
    expect(f.seqs()).toEqual([2, 3, 4, 5, 6]);
    expect(f.seen.map((e) => e.payload.n)).toEqual([1, 2, 3, 4, 5]);
    await f.following.close();
  });

  it('appends and publishes nothing for a transaction that rolls back', async () => {
    const s = stream();
    const f = await collect(s);
    await expect(
      transactionWithEvents(database.db, bus, async (_tx, emit) => {
        await emit({ stream: s, type: 'thing.happened', payload: {} });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await emitOne(s, 1);
    await waitFor(() => f.seen.length === 1, 'the committed event');
    expect(f.seqs()).toEqual([1]);
    expect(await log.read(s, 0)).toHaveLength(1);
    await f.following.close();
  });

  it('resumes after a cursor: the missed events first, then live ones, with no duplicate', async () => {
    const s = stream();
    const first = await collect(s);
    await emitOne(s, 1);
    await emitOne(s, 2);
    await waitFor(() => first.seen.length === 2, 'two events');
    const cursor = first.following.lastSeq();
    await first.following.close(); // the client goes away
    for (let n = 3; n <= 6; n++) await emitOne(s, n); // missed while away
    const resumed = await collect(s, cursor);
    await emitOne(s, 7);
    await waitFor(() => resumed.seen.length === 5, 'missed and live events');
    expect(resumed.seqs()).toEqual([3, 4, 5, 6, 7]);
    await resumed.following.close();
  });

  it('fills a gap from the log when a publish is lost', async () => {
    const s = stream();
    const f = await collect(s);
    // Appended and committed but never published, as if the publisher died after the commit.
    await database.db.transaction(async (tx) => {
      await log.append(tx as never, { stream: s, type: 'lost', payload: {} });
    });
    await emitOne(s, 2);
    await waitFor(() => f.seen.length === 2, 'the lost and the next event');
    expect(f.seen.map((e) => e.type)).toEqual(['lost', 'thing.happened']);
    await f.following.close();
  });

  it('catches a lost publish on its poll even when no later event comes', async () => {
    const s = stream();
    const seen: number[] = [];
    const following = await followStream({ bus, stream: s, onEvent: (e) => void seen.push(e.seq), onError: () => {}, pollIntervalMs: 20 });
    await database.db.transaction(async (tx) => {
      await log.append(tx as never, { stream: s, type: 'lost', payload: {} });
    });
    await waitFor(() => seen.length === 1, 'the polled event');
    await following.close();
  });

  it('keeps seq order without gaps under concurrent writers of one stream', async () => {
    const s = stream();
    const f = await collect(s);
    await Promise.all(Array.from({ length: 12 }, (_, n) => emitOne(s, n)));
    await waitFor(() => f.seen.length === 12, 'twelve events');
    expect(f.seqs()).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    await f.following.close();
  });

  it('refuses to resume from before the retained window with EVENT_LOG_TRUNCATED', async () => {
    const s = stream();
    for (let n = 1; n <= 3; n++) await emitOne(s, n);
    const { events: table } = { events };
    const { eq, and, lte } = await import('drizzle-orm');
    await database.db.delete(table).where(and(eq(table.stream, s), lte(table.seq, 2)));
    const f = await collect(s, 0);
    await waitFor(() => f.errors.length === 1, 'the truncation error');
    expect((f.errors[0] as { extensions?: { code?: string } }).extensions?.code).toBe('EVENT_LOG_TRUNCATED');
    expect(f.seen).toEqual([]);
    await f.following.close();
  });

  it('leaves no subscription behind after 1,000 follow and close cycles', async () => {
    const s = stream();
    for (let i = 0; i < 1000; i++) {
      const following = await followStream({ bus, stream: i % 2 ? s : `${s}:${i}`, onEvent: () => {}, onError: () => {} });
      await following.close();
    }
    expect(bus.pubsub.activeChannels().filter((c) => c.startsWith(bus.prefix))).toEqual([]);
    if (name === 'Redis') {
      const channels = await (bus.pubsub as RedisEventPubSub).redisChannels();
      expect(channels.filter((c) => c.startsWith(bus.prefix))).toEqual([]);
    }
  });
});

describe('event bus truncation', () => {
  it('refuses a resume whose missed events were all trimmed, even when nothing new comes', async () => {
    const bus: EventBus = { log, pubsub: new MemoryPubSub(), prefix: `organoise-test-${randomUUID()}` };
    const s = `test:${randomUUID()}`;
    for (let n = 1; n <= 3; n++) {
      await transactionWithEvents(database.db, bus, async (_tx, emit) => {
        await emit({ stream: s, type: 'thing.happened', payload: { n } });
      });
    }
    const { eq } = await import('drizzle-orm');
    await database.db.delete(events).where(eq(events.stream, s));
    const errors: unknown[] = [];
    const following = await followStream({ bus, stream: s, after: 1, onEvent: () => {}, onError: (e) => void errors.push(e) });
    await waitFor(() => errors.length === 1, 'the truncation error');
    expect((errors[0] as { extensions?: { code?: string } }).extensions?.code).toBe('EVENT_LOG_TRUNCATED');
    await following.close();
    await bus.pubsub.close();
  });
});
