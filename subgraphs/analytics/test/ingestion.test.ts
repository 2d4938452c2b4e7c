import { randomUUID } from 'node:crypto';
import { type Role, type Viewer } from '@organoise/core';
import { codesOf, createTestDatabase, postGraphQL, subgraphClient, TEST_INTERNAL_SECRET, testLog, type TestDatabase } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAME, startAnalyticsSubgraph, type AnalyticsSubgraph } from '../src/index.js';

let db: TestDatabase;
let server: AnalyticsSubgraph;
let call: ReturnType<typeof subgraphClient>;

const orgA = randomUUID();
const orgB = randomUUID();
const viewerIn = (memberships: Record<string, Role>, userId = randomUUID()): Viewer => ({ userId, sessionId: randomUUID(), memberships });
const member = viewerIn({ [orgA]: 'MEMBER' });
const reader = viewerIn({ [orgA]: 'VIEWER' });
const outsider = viewerIn({ [orgB]: 'OWNER' });

const INGEST = /* GraphQL */ `
  mutation Ingest($input: IngestEventsInput!) {
    ingestEvents(input: $input) { accepted duplicates }
  }
`;

const EVENTS = /* GraphQL */ `
  query Events($reps: [_Any!]!, $first: Int, $after: String, $filter: AnalyticsEventFilter) {
    _entities(representations: $reps) {
      ... on Organization {
        id
        events(first: $first, after: $after, filter: $filter) {
          totalCount
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { cursor node { id } }
          nodes { id type subjectId properties occurredAt receivedAt actor { id } organization { id } }
        }
      }
    }
  }
`;

type EventNode = {
  id: string;
  type: string;
  subjectId: string | null;
  properties: Record<string, unknown>;
  occurredAt: string;
  receivedAt: string;
  actor: { id: string } | null;
  organization: { id: string };
};
type EventsPage = {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: { cursor: string; node: { id: string } }[];
  nodes: EventNode[];
};

async function ingest(viewer: Viewer | null, organizationId: string, events: Record<string, unknown>[]) {
  return call<{ ingestEvents: { accepted: number; duplicates: number } }>(INGEST, { input: { organizationId, events } }, viewer);
}

async function eventsOf(viewer: Viewer, organizationId: string, args: Record<string, unknown> = {}) {
  const response = await call<{ _entities: ({ events: EventsPage } | null)[] }>(
    EVENTS,
    { reps: [{ __typename: 'Organization', id: organizationId }], first: 100, ...args },
    viewer,
  );
  expect(response.errors).toBeUndefined();
  return response.data!._entities[0]!;
}

const countIn = async (organizationId: string) => {
  const owner = viewerIn({ [organizationId]: 'OWNER' });
  return (await eventsOf(owner, organizationId)).events.totalCount;
};

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startAnalyticsSubgraph({
    database: { url: db.url, dataDir: db.dataDir },
    internalTokenSecret: TEST_INTERNAL_SECRET,
    log: testLog,
  });
  call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

describe('ingestEvents', () => {
  const batch = [
    { id: 'ing-1', type: 'page.viewed', occurredAt: '2025-05-01T10:00:00.000Z' },
    { id: 'ing-2', type: 'page.viewed', occurredAt: '2025-05-01T10:05:00.000Z', properties: { path: '/home' } },
    { id: 'ing-3', type: 'workflow.run.started', occurredAt: '2025-05-01T10:10:00.000Z', subjectId: randomUUID() },
  ];

  it('stores a batch and reports every event as accepted', async () => {
    const response = await ingest(member, orgA, batch);
    expect(response.errors).toBeUndefined();
    expect(response.data!.ingestEvents).toEqual({ accepted: 3, duplicates: 0 });
    expect(await countIn(orgA)).toBe(3);
  });

  it('counts a retried batch once and reports its events as duplicates', async () => {
    const before = await eventsOf(member, orgA);
    const response = await ingest(member, orgA, batch);
    expect(response.data!.ingestEvents).toEqual({ accepted: 0, duplicates: 3 });
    const after = await eventsOf(member, orgA);
    expect(after.events.totalCount).toBe(before.events.totalCount);
    expect(after.events.nodes).toEqual(before.events.nodes);
  });

  it('stores only the new events of a partly retried batch', async () => {
    const response = await ingest(member, orgA, [
      batch[0]!,
      { id: 'ing-4', type: 'page.viewed', occurredAt: '2025-05-01T11:00:00.000Z' },
      batch[1]!,
      { id: 'ing-5', type: 'page.viewed', occurredAt: '2025-05-01T11:05:00.000Z' },
    ]);
    expect(response.data!.ingestEvents).toEqual({ accepted: 2, duplicates: 2 });
    expect(await countIn(orgA)).toBe(5);
  });

  it('keeps the first copy of an id repeated inside one batch and counts the rest as duplicates', async () => {
    const response = await ingest(member, orgA, [
      { id: 'twice', type: 'first.copy', occurredAt: '2025-05-02T00:00:00.000Z' },
      { id: 'twice', type: 'second.copy', occurredAt: '2025-05-02T00:00:00.000Z' },
    ]);
    expect(response.data!.ingestEvents).toEqual({ accepted: 1, duplicates: 1 });
    const { events } = await eventsOf(member, orgA, { filter: { type: 'first.copy' } });
    expect(events.nodes.map((n) => n.id)).toEqual(['twice']);
    expect((await eventsOf(member, orgA, { filter: { type: 'second.copy' } })).events.totalCount).toBe(0);
  });

  it('treats the same client id in two organizations as two events', async () => {
    const otherOrg = randomUUID();
    const response = await ingest(viewerIn({ [otherOrg]: 'MEMBER' }), otherOrg, [batch[0]!]);
    expect(response.data!.ingestEvents).toEqual({ accepted: 1, duplicates: 0 });
    expect(await countIn(otherOrg)).toBe(1);
  });

  it('defaults the actor to the caller, the time to now and the properties to an empty object', async () => {
    const before = Date.now();
    const response = await ingest(member, orgA, [{ id: 'defaults-1', type: 'app.opened' }]);
    expect(response.data!.ingestEvents.accepted).toBe(1);
    const { events } = await eventsOf(member, orgA, { filter: { type: 'app.opened' } });
    const node = events.nodes[0]!;
    expect(node.actor).toEqual({ id: member.userId });
    expect(node.properties).toEqual({});
    expect(node.subjectId).toBeNull();
    expect(node.organization).toEqual({ id: orgA });
    expect(Date.parse(node.occurredAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(node.occurredAt)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(Date.parse(node.receivedAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('stores an explicit actor, subject and properties as given', async () => {
    const actorId = randomUUID();
    const subjectId = randomUUID();
    await ingest(member, orgA, [
      { id: 'explicit-1', type: 'report.exported', actorId, subjectId, properties: { format: 'csv', rows: 12, nested: { ok: true } } },
    ]);
    const node = (await eventsOf(member, orgA, { filter: { type: 'report.exported' } })).events.nodes[0]!;
    expect(node).toMatchObject({ id: 'explicit-1', actor: { id: actorId }, subjectId, properties: { format: 'csv', rows: 12, nested: { ok: true } } });
  });

  it('accepts an event up to five minutes ahead of the server clock', async () => {
    const soon = new Date(Date.now() + 4 * 60_000).toISOString();
    const response = await ingest(member, orgA, [{ id: 'skewed-1', type: 'clock.skewed', occurredAt: soon }]);
    expect(response.data!.ingestEvents.accepted).toBe(1);
  });

  it('refuses a batch with any invalid event, naming each bad event by path, and stores none of it', async () => {
    const before = await countIn(orgA);
    const response = await ingest(member, orgA, [
      { id: 'valid-but-refused', type: 'refused.batch' },
      { id: 'bad-type', type: 'Page Viewed' },
      { id: 'bad id!', type: 'page.viewed' },
      { id: 'future', type: 'page.viewed', occurredAt: new Date(Date.now() + 10 * 60_000).toISOString() },
      { id: 'big', type: 'page.viewed', properties: { blob: 'x'.repeat(9000) } },
      { id: 'bad-actor', type: 'page.viewed', actorId: 'not-a-uuid' },
      { id: 'array-props', type: 'page.viewed', properties: [1, 2, 3] },
      { id: 'x'.repeat(129), type: 'page.viewed' },
      { id: 'long-type', type: `a.${'b'.repeat(100)}` },
      { id: 'bad-subject', type: 'page.viewed', subjectId: 'has space' },
      { id: 'nul', type: 'page.viewed', properties: { deep: [{ text: 'a\u0000b' }] } },
    ]);
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    const paths = (response.errors![0]!.extensions!.issues as { path: string }[]).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'events.1.type',
        'events.2.id',
        'events.3.occurredAt',
        'events.4.properties',
        'events.5.actorId',
        'events.6.properties',
        'events.7.id',
        'events.8.type',
        'events.9.subjectId',
        'events.10.properties',
      ]),
    );
    expect(paths.some((p) => p.startsWith('events.0.'))).toBe(false);
    expect(await countIn(orgA)).toBe(before);
    expect((await eventsOf(member, orgA, { filter: { type: 'refused.batch' } })).events.totalCount).toBe(0);
  });

  it('refuses an empty batch and a batch over 1000 events', async () => {
    const before = await countIn(orgA);
    const empty = await ingest(member, orgA, []);
    expect(codesOf(empty)).toEqual(['BAD_USER_INPUT']);
    expect(empty.errors![0]!.extensions!.issues).toEqual([expect.objectContaining({ path: 'events' })]);
    const tooMany = await ingest(
      member,
      orgA,
      Array.from({ length: 1001 }, (_, i) => ({ id: `bulk-${i}`, type: 'bulk.event' })),
    );
    expect(codesOf(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.errors![0]!.extensions!.issues).toEqual([expect.objectContaining({ path: 'events' })]);
    expect(await countIn(orgA)).toBe(before);
  });

  it('takes a full batch of 1000 events in one call', async () => {
    const org = randomUUID();
    const admin = viewerIn({ [org]: 'ADMIN' });
    const events = Array.from({ length: 1000 }, (_, i) => ({
      id: `full-${i}`,
      type: 'bulk.event',
      occurredAt: '2025-05-03T00:00:00.000Z',
      properties: { i },
    }));
    expect((await ingest(admin, org, events)).data!.ingestEvents).toEqual({ accepted: 1000, duplicates: 0 });
    expect((await ingest(admin, org, events)).data!.ingestEvents).toEqual({ accepted: 0, duplicates: 1000 });
    expect(await countIn(org)).toBe(1000);
  });

  it('stores each event once when the same batch arrives several times at once', async () => {
    const org = randomUUID();
    const admin = viewerIn({ [org]: 'ADMIN' });
    const events = Array.from({ length: 50 }, (_, i) => ({ id: `race-${i}`, type: 'race.event' }));
    const results = await Promise.all([events, [...events].reverse(), events].map((batch) => ingest(admin, org, batch)));
    const totals = results.map((r) => r.data!.ingestEvents);
    expect(totals.reduce((sum, t) => sum + t.accepted, 0)).toBe(50);
    expect(totals.reduce((sum, t) => sum + t.duplicates, 0)).toBe(100);
    expect(await countIn(org)).toBe(50);
  });

  it('refuses an invalid organization id', async () => {
    const response = await ingest(member, 'nope', [{ id: 'a', type: 'page.viewed' }]);
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions!.issues).toEqual([expect.objectContaining({ path: 'organizationId' })]);
  });

  it('refuses a VIEWER with FORBIDDEN and stores nothing', async () => {
    const before = await countIn(orgA);
    const response = await ingest(reader, orgA, [{ id: 'by-viewer', type: 'page.viewed' }]);
    expect(codesOf(response)).toEqual(['FORBIDDEN']);
    expect(await countIn(orgA)).toBe(before);
  });

  it('answers NOT_FOUND to a member of another organization and stores nothing', async () => {
    const before = await countIn(orgA);
    const response = await ingest(outsider, orgA, [{ id: 'from-outside', type: 'page.viewed' }]);
    expect(codesOf(response)).toEqual(['NOT_FOUND']);
    expect(await countIn(orgA)).toBe(before);
  });

  it('refuses an anonymous caller', async () => {
    const response = await ingest(null, orgA, [{ id: 'anon', type: 'page.viewed' }]);
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a request without an internal token with HTTP 401', async () => {
    const response = await postGraphQL(server.url, INGEST, { input: { organizationId: orgA, events: [{ id: 'x', type: 'a.b' }] } });
    expect(response.status).toBe(401);
    expect(codesOf(response)).toEqual(['INTERNAL_TOKEN_INVALID']);
  });
});

describe('Organization.events', () => {
  const org = randomUUID();
  const admin = viewerIn({ [org]: 'ADMIN' });
  const alice = randomUUID();
  const bob = randomUUID();
  const subject = randomUUID();
  // 12 events: two share each timestamp, so the id breaks ties.
  const seeded = Array.from({ length: 12 }, (_, i) => ({
    id: `ev-${String(i).padStart(2, '0')}`,
    type: i % 3 === 0 ? 'workflow.run.started' : 'page.viewed',
    actorId: i % 2 === 0 ? alice : bob,
    subjectId: i % 4 === 0 ? subject : undefined,
    occurredAt: new Date(Date.UTC(2025, 3, 1, Math.floor(i / 2))).toISOString(),
  }));
  // Newest first; equal times by id descending.
  const expectedOrder = [...seeded]
    .sort((a, b) => (a.occurredAt === b.occurredAt ? (a.id < b.id ? 1 : -1) : a.occurredAt < b.occurredAt ? 1 : -1))
    .map((e) => e.id);

  beforeAll(async () => {
    const response = await ingest(admin, org, seeded);
    expect(response.data!.ingestEvents.accepted).toBe(12);
  });

  it('lists events newest first, ids descending among equal times, page by page', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { events }: { events: EventsPage } = await eventsOf(admin, org, { first: 5, after });
      expect(events.totalCount).toBe(12);
      expect(events.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...events.edges.map((e) => e.node.id));
      pages++;
      if (!events.pageInfo.hasNextPage) break;
      after = events.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(expectedOrder);
  });

  it('filters by type, actor, subject and time range, alone and combined', async () => {
    const ids = async (filter: Record<string, unknown>) => {
      const { events } = await eventsOf(admin, org, { filter });
      expect(events.totalCount).toBe(events.nodes.length);
      return events.nodes.map((n) => n.id);
    };
    const only = (pred: (e: (typeof seeded)[number]) => boolean) => expectedOrder.filter((id) => pred(seeded.find((e) => e.id === id)!));
    expect(await ids({ type: 'workflow.run.started' })).toEqual(only((e) => e.type === 'workflow.run.started'));
    expect(await ids({ actorId: bob })).toEqual(only((e) => e.actorId === bob));
    expect(await ids({ subjectId: subject })).toEqual(only((e) => e.subjectId === subject));
    const from = '2025-04-01T02:00:00.000Z';
    const to = '2025-04-01T04:00:00.000Z';
    expect(await ids({ from, to })).toEqual(only((e) => e.occurredAt >= from && e.occurredAt < to));
    expect(await ids({ type: 'page.viewed', actorId: alice, from })).toEqual(
      only((e) => e.type === 'page.viewed' && e.actorId === alice && e.occurredAt >= from),
    );
  });

  it('keeps the cursor valid under a filter', async () => {
    const filter = { type: 'page.viewed' };
    const first = (await eventsOf(admin, org, { first: 3, filter })).events;
    const second = (await eventsOf(admin, org, { first: 3, filter, after: first.pageInfo.endCursor })).events;
    const all = (await eventsOf(admin, org, { filter })).events.nodes.map((n) => n.id);
    expect([...first.nodes, ...second.nodes].map((n) => n.id)).toEqual(all.slice(0, 6));
  });

  it('refuses a bad cursor, a page size over 100 and an invalid filter', async () => {
    const reps = [{ __typename: 'Organization', id: org }];
    for (const args of [
      { after: 'garbage', first: 5 },
      { first: 101 },
      { filter: { type: 'Not A Type' } },
      { filter: { actorId: 'nope' } },
      { filter: { from: '2025-04-02T00:00:00Z', to: '2025-04-01T00:00:00Z' } },
    ]) {
      const response = await call(EVENTS, { reps, ...args }, admin);
      expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('lets a VIEWER read the events', async () => {
    const viewer = viewerIn({ [org]: 'VIEWER' });
    expect((await eventsOf(viewer, org)).events.totalCount).toBe(12);
  });

  it('resolves another tenant’s organization to null through _entities', async () => {
    const response = await call<{ _entities: unknown[] }>(
      EVENTS,
      { reps: [{ __typename: 'Organization', id: org }, { __typename: 'Organization', id: orgB }] },
      outsider,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities[0]).toBeNull();
    expect(response.data!._entities[1]).toMatchObject({ id: orgB });
  });
});
