import { randomUUID } from 'node:crypto';
import { INTERNAL_TOKEN_HEADER, RedisEventPubSub, signInternalToken, type PubSub, type Role, type Viewer } from '@organoise/core';
import { createTestDatabase, subgraphClient, TEST_INTERNAL_SECRET, testEnv, testLog, type TestDatabase, waitFor, watchSubscription as watch, type SubscriptionResult as Result, type SubscriptionWatch as Watch, PUBSUB_IMPLEMENTATIONS, subgraphSocket } from '@organoise/core/testing';
import { and, eq, lte } from 'drizzle-orm';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { logEvents } from '../src/db/schema.js';
import { organizationMetricsStream } from '../src/domains/events/streams.js';
import { EVENT_CHANNEL_PREFIX, startAnalyticsSubgraph, SUBGRAPH_NAME, type AnalyticsSubgraph } from '../src/index.js';

// Live metrics over a real graphql-ws connection, as the gateway opens them, on each PubSub
// (memory, Redis on 127.0.0.1:6379) and, through the vitest projects, each database.

const LIVE_METRICS = /* GraphQL */ `
  subscription ($organizationId: ID!, $windowSeconds: Int, $after: String) {
    liveMetrics(organizationId: $organizationId, windowSeconds: $windowSeconds, after: $after) { cursor at windowSeconds counts { type count } total }
  }
`;
const INGEST = /* GraphQL */ `
  mutation ($input: IngestEventsInput!) {
    ingestEvents(input: $input) { accepted duplicates }
  }
`;

type Call = (query: string, variables?: Record<string, unknown>, viewer?: Viewer | null) => Promise<Result>;




const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));
const channel = (stream: string) => `${EVENT_CHANNEL_PREFIX}:${stream}`;
const codes = (w: Watch) => w.results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code));
const codesOfResult = (r: Result) => (r.errors ?? []).map((e) => e.extensions?.code);
const person = (memberships: Record<string, Role>): Viewer => ({ userId: randomUUID(), sessionId: randomUUID(), memberships });
/** `cursor:total` of each update. */
const summary = (list: Record<string, any>[]) => list.map((e) => `${e.cursor}:${e.total}`);
const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

function ok(result: Result): Record<string, any> {
  expect(result.errors).toBeUndefined();
  return Object.values(result.data!)[0] as Record<string, any>;
}

const implementations = PUBSUB_IMPLEMENTATIONS;

describe.each(implementations)('analytics live metrics over %s', (pubsubName, createPubSub) => {
  let db: TestDatabase;
  let pubsub: PubSub;
  let server: AnalyticsSubgraph;
  let call: Call;
  const clients: Client[] = [];

  /** A graphql-ws connection carrying the internal token the gateway would sign for `viewer`. */
  function connect(viewer: Viewer | null, url = server.url): Client {
    const client = subgraphSocket(url, SUBGRAPH_NAME, viewer);
    clients.push(client);
    return client;
  }

  /** A fresh organization with its people, so its stream starts empty. */
  function organization() {
    const orgId = randomUUID();
    return { orgId, member: person({ [orgId]: 'MEMBER' }), viewer: person({ [orgId]: 'VIEWER' }) };
  }

  /** Events of the given types, with fresh ids, occurring now unless `occurredAt` says otherwise. */
  const batch = (types: string[], extra: Record<string, unknown> = {}) => types.map((type) => ({ id: randomUUID(), type, ...extra }));
  const ingest = (viewer: Viewer, organizationId: string, events: Record<string, unknown>[]) => call(INGEST, { input: { organizationId, events } }, viewer);

  beforeAll(async () => {
    db = await createTestDatabase();
    pubsub = createPubSub();
    server = await startAnalyticsSubgraph({ database: { url: db.url, dataDir: db.dataDir }, internalTokenSecret: TEST_INTERNAL_SECRET, log: testLog, pubsub });
    call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET) as Call;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await server?.close();
    await pubsub?.close();
    await db?.drop();
  });

  it('pushes, per stored batch, the counts per type over the window ending now, in order', async () => {
    const { orgId, member, viewer } = organization();
    const w = watch(connect(viewer), LIVE_METRICS, { organizationId: orgId, after: '0' });
    ok(await ingest(member, orgId, batch(['page.view', 'page.view', 'file.upload'], { properties: { secret: 'not for events' } })));
    await waitFor(() => w.events().length === 1, 'the first update');
    expect(w.events()[0]).toMatchObject({
      cursor: '1',
      windowSeconds: 300,
      counts: [
        { type: 'page.view', count: 2 },
        { type: 'file.upload', count: 1 },
      ],
      total: 3,
    });
    expect(Math.abs(Date.parse(w.events()[0]!.at) - Date.now())).toBeLessThan(10_000);

    ok(await ingest(member, orgId, batch(['file.upload', 'file.upload', 'login'])));
    await waitFor(() => w.events().length === 2, 'the second update');
    expect(w.events()[1]).toMatchObject({
      cursor: '2',
      counts: [
        { type: 'file.upload', count: 3 },
        { type: 'page.view', count: 2 },
        { type: 'login', count: 1 },
      ],
      total: 6,
    });
    expect(w.results.every((r) => !r.errors)).toBe(true);

    // What the log keeps: counts of the batch, never the events, their ids or their properties.
    const logged = await server.services.bus.log.read(organizationMetricsStream(orgId), 0);
    expect(logged.map((e) => [e.type, e.organizationId])).toEqual([
      ['analytics.ingested', orgId],
      ['analytics.ingested', orgId],
    ]);
    expect(logged[1]!.payload).toEqual({
      accepted: 3,
      counts: [
        { type: 'file.upload', count: 2 },
        { type: 'login', count: 1 },
      ],
    });
    expect(JSON.stringify(logged)).not.toContain('not for events');
    w.stop();
  });

  it('counts only the events that occurred inside each subscription’s window', async () => {
    const { orgId, member } = organization();
    const client = connect(member);
    const short = watch(client, LIVE_METRICS, { organizationId: orgId, windowSeconds: 60, after: '0' });
    const day = watch(client, LIVE_METRICS, { organizationId: orgId, windowSeconds: 86_400, after: '0' });
    ok(await ingest(member, orgId, [...batch(['old.event'], { occurredAt: ago(600) }), ...batch(['ancient.event'], { occurredAt: ago(2 * 86_400) }), ...batch(['new.event'])]));
    for (const w of [short, day]) await waitFor(() => w.events().length === 1, 'the update');
    expect(short.events()[0]).toMatchObject({ windowSeconds: 60, counts: [{ type: 'new.event', count: 1 }], total: 1 });
    expect(day.events()[0]).toMatchObject({
      windowSeconds: 86_400,
      counts: [
        { type: 'new.event', count: 1 },
        { type: 'old.event', count: 1 },
      ],
      total: 2,
    });
    short.stop();
    day.stop();
  });

  it('delivers without a cursor only the updates of batches stored after the subscription started', async () => {
    const { orgId, member } = organization();
    ok(await ingest(member, orgId, batch(['a'])));
    const w = watch(connect(member), LIVE_METRICS, { organizationId: orgId });
    await waitFor(() => pubsub.activeChannels().includes(channel(organizationMetricsStream(orgId))), 'the subscription to listen');
    await settle(); // its starting point (the stream's head) is read right after it listens
    ok(await ingest(member, orgId, batch(['b'])));
    await waitFor(() => w.events().length === 1, 'the update');
    expect(summary(w.events())).toEqual(['2:2']);
    w.stop();
  });

  it('resumes after a cursor with an update for every missed batch once, in order, then the live ones', async () => {
    const { orgId, member, viewer } = organization();
    const client = connect(viewer);
    const first = watch(client, LIVE_METRICS, { organizationId: orgId, after: '0' });
    ok(await ingest(member, orgId, batch(['a'])));
    await waitFor(() => first.events().length === 1, 'the first update');
    const cursor = first.events()[0]!.cursor as string;
    first.stop(); // the client goes away...
    ok(await ingest(member, orgId, batch(['a', 'b']))); // ...and misses these
    ok(await ingest(member, orgId, batch(['c'])));

    const resumed = watch(client, LIVE_METRICS, { organizationId: orgId, after: cursor });
    await waitFor(() => resumed.events().length === 2, 'the missed updates');
    ok(await ingest(member, orgId, batch(['d'])));
    await waitFor(() => resumed.events().length === 3, 'the live update');
    await settle();
    // A missed update is computed when it is delivered: it shows the counts as they are then.
    expect(summary(resumed.events())).toEqual(['2:4', '3:4', '4:5']);
    resumed.stop();
  });

  it('refuses a cursor older than the event log keeps with EVENT_LOG_TRUNCATED', async () => {
    const { orgId, member } = organization();
    ok(await ingest(member, orgId, batch(['a'])));
    ok(await ingest(member, orgId, batch(['b'])));
    await server.services.db.delete(logEvents).where(and(eq(logEvents.stream, organizationMetricsStream(orgId)), lte(logEvents.seq, 1)));
    const w = watch(connect(member), LIVE_METRICS, { organizationId: orgId, after: '0' });
    await waitFor(() => w.ended.error !== undefined, 'the refusal');
    expect((w.ended.error as Result['errors'])!.map((e) => e.extensions?.code)).toEqual(['EVENT_LOG_TRUNCATED']);
    expect(w.events()).toEqual([]);
  });

  it.each([
    ['a window under 10 seconds', { windowSeconds: 9 }],
    ['a window over a day', { windowSeconds: 86_401 }],
    ['a negative window', { windowSeconds: -300 }],
    ['a cursor that is not a number', { after: 'abc' }],
    ['a negative cursor', { after: '-1' }],
    ['a malformed organization id', { organizationId: 'org-1' }],
  ])('refuses %s with BAD_USER_INPUT, following nothing', async (_label, overrides) => {
    const { orgId, member } = organization();
    const w = watch(connect(member), LIVE_METRICS, { organizationId: orgId, ...overrides });
    await waitFor(() => w.ended.complete === true || w.ended.error !== undefined, 'the refusal');
    expect(codes(w)).toEqual(['BAD_USER_INPUT']);
    expect(pubsub.activeChannels()).not.toContain(channel(organizationMetricsStream(orgId)));
  });

  it('accepts the smallest and the largest window', async () => {
    const { orgId, member } = organization();
    const client = connect(member);
    const watches = [10, 86_400].map((windowSeconds) => watch(client, LIVE_METRICS, { organizationId: orgId, windowSeconds, after: '0' }));
    ok(await ingest(member, orgId, batch(['a'])));
    for (const w of watches) await waitFor(() => w.events().length === 1, 'the update');
    expect(watches.map((w) => [w.events()[0]!.windowSeconds, w.events()[0]!.total])).toEqual([
      [10, 1],
      [86_400, 1],
    ]);
    for (const w of watches) w.stop();
  });

  it("refuses another tenant's organization with NOT_FOUND and an anonymous caller with UNAUTHENTICATED, following nothing", async () => {
    const { orgId, member } = organization();
    ok(await ingest(member, orgId, batch(['a'])));
    const stranger = person({ [randomUUID()]: 'OWNER' });
    const attempts: [Viewer | null, Record<string, unknown>, string][] = [
      [stranger, { organizationId: orgId }, 'NOT_FOUND'],
      [stranger, { organizationId: orgId, after: '0' }, 'NOT_FOUND'],
      [stranger, { organizationId: randomUUID() }, 'NOT_FOUND'],
      [null, { organizationId: orgId }, 'UNAUTHENTICATED'],
    ];
    for (const [viewer, variables, code] of attempts) {
      const w = watch(connect(viewer), LIVE_METRICS, variables);
      await waitFor(() => w.ended.complete === true || w.ended.error !== undefined, `the refusal of ${JSON.stringify(variables)}`);
      expect(codes(w)).toEqual([code]);
      expect(w.events()).toEqual([]);
    }
    expect(pubsub.activeChannels()).not.toContain(channel(organizationMetricsStream(orgId)));
  });

  it.each([
    ['no internal token', async () => ({})],
    ['a token signed with another secret', async () => ({ [INTERNAL_TOKEN_HEADER]: await signInternalToken('another-secret-0123456789abcdef-xyz', SUBGRAPH_NAME, null) })],
    ['a token addressed to another subgraph', async () => ({ [INTERNAL_TOKEN_HEADER]: await signInternalToken(TEST_INTERNAL_SECRET, 'user', null) })],
  ])('closes a connection with %s with code 4403 before anything runs', async (_label, connectionParams) => {
    const { orgId } = organization();
    const client = createClient({ url: server.url.replace('http', 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams });
    clients.push(client);
    const w = watch(client, LIVE_METRICS, { organizationId: orgId, after: '0' });
    await waitFor(() => w.ended.error !== undefined, 'the close');
    expect((w.ended.error as { code: number }).code).toBe(4403);
    expect(w.results).toEqual([]);
    expect(pubsub.activeChannels()).not.toContain(channel(organizationMetricsStream(orgId)));
  });

  it('pushes nothing for a refused batch or one holding only duplicates: the next update follows the last one without a gap', async () => {
    const { orgId, member, viewer } = organization();
    const first = batch(['a', 'b']);
    ok(await ingest(member, orgId, first));
    const w = watch(connect(viewer), LIVE_METRICS, { organizationId: orgId, after: '1' });
    const outsider = person({ [randomUUID()]: 'OWNER' });
    const refusals: [Promise<Result>, string][] = [
      [ingest(viewer, orgId, batch(['a'])), 'FORBIDDEN'],
      [ingest(outsider, orgId, batch(['a'])), 'NOT_FOUND'],
      [ingest(member, orgId, [...batch(['fine']), ...batch(['Not A Type'])]), 'BAD_USER_INPUT'],
      [ingest(member, orgId, batch(['a'], { occurredAt: new Date(Date.now() + 3_600_000).toISOString() })), 'BAD_USER_INPUT'],
      [ingest(member, orgId, []), 'BAD_USER_INPUT'],
    ];
    for (const [response, code] of refusals) expect(codesOfResult(await response)).toEqual([code]);
    expect(ok(await ingest(member, orgId, first))).toEqual({ accepted: 0, duplicates: 2 });
    ok(await ingest(member, orgId, [...first, ...batch(['c'])]));
    await waitFor(() => w.events().length === 1, 'the accepted batch');
    await settle();
    expect(summary(w.events())).toEqual(['2:3']);
    const logged = await server.services.bus.log.read(organizationMetricsStream(orgId), 0);
    expect(logged.map((e) => [e.seq, e.payload])).toEqual([
      [1, { accepted: 2, counts: [{ type: 'a', count: 1 }, { type: 'b', count: 1 }] }],
      [2, { accepted: 1, counts: [{ type: 'c', count: 1 }] }],
    ]);
    w.stop();
  });

  it('leaves no channel of its streams behind after 200 subscribe and unsubscribe cycles', async () => {
    const orgs = [organization(), organization(), organization()];
    const owner = person(Object.fromEntries(orgs.map((o) => [o.orgId, 'OWNER'])));
    const client = connect(owner);
    const ours = orgs.map((o) => channel(organizationMetricsStream(o.orgId)));
    for (let i = 0; i < 200; i++) {
      const org = orgs[i % orgs.length]!;
      const w = watch(client, LIVE_METRICS, { organizationId: org.orgId, windowSeconds: 10 + i, ...(i % 2 ? { after: '0' } : {}) });
      await waitFor(() => pubsub.activeChannels().includes(channel(organizationMetricsStream(org.orgId))), `cycle ${i} to listen`);
      w.stop();
    }
    await waitFor(() => pubsub.activeChannels().every((c) => !ours.includes(c)), 'every channel to be released');
    if (pubsubName === 'Redis') {
      await waitFor(async () => (await (pubsub as RedisEventPubSub).redisChannels()).every((c) => !ours.includes(c)), 'Redis to drop every channel');
    }
  });

  it.skipIf(pubsubName !== 'Redis' || testEnv.TEST_DATABASE === 'pglite')(
    'delivers to a subscriber of a second replica (same database, same Redis) the updates of batches sent to the first',
    async () => {
      const replicaPubsub = new RedisEventPubSub(testEnv.TEST_REDIS_URL);
      // No polling: whatever reaches the replica after its catch-up came through Redis.
      const replica = await startAnalyticsSubgraph({ database: { url: db.url }, internalTokenSecret: TEST_INTERNAL_SECRET, log: testLog, pubsub: replicaPubsub, eventPollIntervalMs: 0 });
      try {
        const { orgId, member } = organization();
        ok(await ingest(member, orgId, batch(['a'])));
        const w = watch(connect(member, replica.url), LIVE_METRICS, { organizationId: orgId, after: '1' });
        await waitFor(() => replicaPubsub.activeChannels().includes(channel(organizationMetricsStream(orgId))), 'the replica to listen');
        ok(await ingest(member, orgId, batch(['b'])));
        await waitFor(() => w.events().length === 1, 'the first update on the replica');
        ok(await ingest(member, orgId, batch(['c'])));
        ok(await ingest(member, orgId, batch(['d', 'e'])));
        await waitFor(() => w.events().length === 3, 'the live updates on the replica');
        expect(w.events().map((e) => e.cursor)).toEqual(['2', '3', '4']);
        expect(w.events()[2]!.total).toBe(5);
        w.stop();
      } finally {
        await replica.close();
        await replicaPubsub.close();
      }
    },
  );
});

describe('the analytics event log', () => {
  let db: TestDatabase;
  let server: AnalyticsSubgraph;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Half a second of retention: the periodic trim runs every eighth of a second.
    server = await startAnalyticsSubgraph({ database: { url: db.url, dataDir: db.dataDir }, internalTokenSecret: TEST_INTERNAL_SECRET, log: testLog, eventRetentionHours: 0.5 / 3600 });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('drops log entries older than the retention window, keeps the ingested events, and seqs go on from where they were', async () => {
    const call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET) as Call;
    const orgId = randomUUID();
    const member = person({ [orgId]: 'MEMBER' });
    const ingest = (type: string) => call(INGEST, { input: { organizationId: orgId, events: [{ id: randomUUID(), type }] } }, member);
    ok(await ingest('a'));
    const log = server.services.bus.log;
    const stream = organizationMetricsStream(orgId);
    expect(await log.read(stream, 0)).toHaveLength(1);
    await waitFor(async () => (await log.read(stream, 0)).length === 0, 'the trim');
    ok(await ingest('b'));
    expect((await log.read(stream, 0)).map((e) => e.seq)).toEqual([2]);
    const activity = ok(
      await call(`query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Organization { activity { eventCount } } } }`, { reps: [{ __typename: 'Organization', id: orgId }] }, member),
    );
    expect(activity).toEqual([{ activity: { eventCount: 2 } }]);
  });
});
