import { randomUUID } from 'node:crypto';
import { type Role, type Viewer } from '@organoise/core';
import { codesOf, createTestDatabase, subgraphClient, TEST_INTERNAL_SECRET, testLog, type TestDatabase } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAME, startAnalyticsSubgraph, type AnalyticsSubgraph } from '../src/index.js';

let db: TestDatabase;
let server: AnalyticsSubgraph;
let call: ReturnType<typeof subgraphClient>;
const queries: string[] = [];

const orgA = randomUUID();
const orgB = randomUUID();
const viewerIn = (memberships: Record<string, Role>, userId = randomUUID()): Viewer => ({ userId, sessionId: randomUUID(), memberships });
const adminA = viewerIn({ [orgA]: 'ADMIN' });
const readerA = viewerIn({ [orgA]: 'VIEWER' });
const adminB = viewerIn({ [orgB]: 'ADMIN' });
const [alice, bob, carol, dave] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const defA = randomUUID();
const defB = randomUUID();

const at = (iso: string) => `2025-06-${iso}Z`;
const seedA = [
  { id: 'a1', type: 'page.viewed', actorId: alice, occurredAt: at('10T09:15:00') },
  { id: 'a2', type: 'page.viewed', actorId: bob, occurredAt: at('10T09:45:00') },
  { id: 'a3', type: 'workflow.run.started', actorId: alice, subjectId: defA, occurredAt: at('10T10:05:00') },
  { id: 'a4', type: 'page.viewed', actorId: carol, occurredAt: at('10T23:59:59.999') },
  { id: 'a5', type: 'page.viewed', actorId: alice, occurredAt: at('11T00:00:00') },
  { id: 'a6', type: 'workflow.run.completed', actorId: bob, subjectId: defA, occurredAt: at('11T00:30:00') },
  { id: 'a7', type: 'workflow.run.transitioned', actorId: alice, subjectId: defA, occurredAt: at('11T12:00:00') },
  { id: 'a8', type: 'page.viewed', actorId: dave, occurredAt: at('12T08:00:00') },
  { id: 'a9', type: 'workflow.run.started', actorId: bob, subjectId: defA, occurredAt: at('12T09:00:00') },
];
const seedB = [
  { id: 'b1', type: 'workflow.run.started', subjectId: defB, occurredAt: at('10T10:00:00') },
  { id: 'b2', type: 'workflow.run.started', subjectId: defB, occurredAt: at('10T11:00:00') },
  { id: 'b3', type: 'workflow.run.completed', subjectId: defB, occurredAt: at('10T12:00:00') },
  // Another tenant reporting events about A's definition must not change A's numbers.
  { id: 'b4', type: 'workflow.run.started', subjectId: defA, occurredAt: at('10T13:00:00') },
  { id: 'b5', type: 'page.viewed', occurredAt: at('10T13:00:00') },
];

const ACTIVITY = /* GraphQL */ `
  query Activity($reps: [_Any!]!, $from: DateTime, $to: DateTime, $bucket: ActivityBucket, $types: [String!]) {
    _entities(representations: $reps) {
      ... on Organization {
        id
        activity(from: $from, to: $to, bucket: $bucket, types: $types) {
          from
          to
          bucket
          series { bucketStart type count }
          totals { type count }
          activeUsers
          eventCount
        }
      }
    }
  }
`;

type Activity = {
  from: string;
  to: string;
  bucket: string;
  series: { bucketStart: string; type: string; count: number }[];
  totals: { type: string; count: number }[];
  activeUsers: number;
  eventCount: number;
};

async function activity(viewer: Viewer, organizationId: string, args: Record<string, unknown>) {
  const response = await call<{ _entities: ({ activity: Activity } | null)[] }>(
    ACTIVITY,
    { reps: [{ __typename: 'Organization', id: organizationId }], ...args },
    viewer,
  );
  expect(response.errors).toBeUndefined();
  return response.data!._entities[0]!.activity;
}

const STATS = /* GraphQL */ `
  query Stats($reps: [_Any!]!, $from: DateTime, $to: DateTime) {
    _entities(representations: $reps) {
      ... on WorkflowDefinition {
        id
        stats { runsStarted runsCompleted transitions lastEventAt }
        ranged: stats(from: $from, to: $to) { runsStarted runsCompleted transitions lastEventAt }
      }
    }
  }
`;

type Stats = { runsStarted: number; runsCompleted: number; transitions: number; lastEventAt: string | null };
const zeros: Stats = { runsStarted: 0, runsCompleted: 0, transitions: 0, lastEventAt: null };

/** Definitions as the gateway represents them: with their organization, from the workflow subgraph (@requires). */
async function stats(viewer: Viewer | null, definitions: [id: string, organizationId: string][], range: { from?: string; to?: string } = {}) {
  const response = await call<{ _entities: { id: string; stats: Stats; ranged: Stats }[] }>(
    STATS,
    { reps: definitions.map(([id, organizationId]) => ({ __typename: 'WorkflowDefinition', id, organization: { id: organizationId } })), ...range },
    viewer,
  );
  expect(response.errors).toBeUndefined();
  return response.data!._entities;
}

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startAnalyticsSubgraph({
    database: { url: db.url, dataDir: db.dataDir, onQuery: (sql) => queries.push(sql) },
    internalTokenSecret: TEST_INTERNAL_SECRET,
    log: testLog,
  });
  call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
  const ingest = /* GraphQL */ `mutation($input: IngestEventsInput!) { ingestEvents(input: $input) { accepted } }`;
  const a = await call(ingest, { input: { organizationId: orgA, events: seedA } }, adminA);
  const b = await call(ingest, { input: { organizationId: orgB, events: seedB } }, adminB);
  expect([a.data?.ingestEvents.accepted, b.data?.ingestEvents.accepted]).toEqual([seedA.length, seedB.length]);
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

describe('Organization.activity', () => {
  it('counts events per UTC day and type, with totals, event count and active users', async () => {
    const result = await activity(adminA, orgA, { from: at('10T00:00:00'), to: at('12T00:00:00'), bucket: 'DAY' });
    expect(result).toEqual({
      from: '2025-06-10T00:00:00.000Z',
      to: '2025-06-12T00:00:00.000Z',
      bucket: 'DAY',
      series: [
        { bucketStart: '2025-06-10T00:00:00.000Z', type: 'page.viewed', count: 3 },
        { bucketStart: '2025-06-10T00:00:00.000Z', type: 'workflow.run.started', count: 1 },
        { bucketStart: '2025-06-11T00:00:00.000Z', type: 'page.viewed', count: 1 },
        { bucketStart: '2025-06-11T00:00:00.000Z', type: 'workflow.run.completed', count: 1 },
        { bucketStart: '2025-06-11T00:00:00.000Z', type: 'workflow.run.transitioned', count: 1 },
      ],
      totals: [
        { type: 'page.viewed', count: 4 },
        { type: 'workflow.run.completed', count: 1 },
        { type: 'workflow.run.started', count: 1 },
        { type: 'workflow.run.transitioned', count: 1 },
      ],
      activeUsers: 3,
      eventCount: 7,
    });
  });

  it('counts events per UTC hour', async () => {
    const result = await activity(adminA, orgA, { from: at('10T09:00:00'), to: at('11T01:00:00'), bucket: 'HOUR' });
    expect(result.series).toEqual([
      { bucketStart: '2025-06-10T09:00:00.000Z', type: 'page.viewed', count: 2 },
      { bucketStart: '2025-06-10T10:00:00.000Z', type: 'workflow.run.started', count: 1 },
      { bucketStart: '2025-06-10T23:00:00.000Z', type: 'page.viewed', count: 1 },
      { bucketStart: '2025-06-11T00:00:00.000Z', type: 'page.viewed', count: 1 },
      { bucketStart: '2025-06-11T00:00:00.000Z', type: 'workflow.run.completed', count: 1 },
    ]);
    expect(result.eventCount).toBe(6);
    expect(result.activeUsers).toBe(3);
  });

  it('includes from and excludes to', async () => {
    const result = await activity(adminA, orgA, { from: at('10T09:45:00'), to: at('11T00:00:00'), bucket: 'HOUR' });
    expect(result.series.map((p) => [p.bucketStart, p.count])).toEqual([
      ['2025-06-10T09:00:00.000Z', 1],
      ['2025-06-10T10:00:00.000Z', 1],
      ['2025-06-10T23:00:00.000Z', 1],
    ]);
  });

  it('counts only the requested types, active users included', async () => {
    const range = { from: at('10T00:00:00'), to: at('13T00:00:00') };
    const views = await activity(adminA, orgA, { ...range, types: ['page.viewed'] });
    expect(views.series).toEqual([
      { bucketStart: '2025-06-10T00:00:00.000Z', type: 'page.viewed', count: 3 },
      { bucketStart: '2025-06-11T00:00:00.000Z', type: 'page.viewed', count: 1 },
      { bucketStart: '2025-06-12T00:00:00.000Z', type: 'page.viewed', count: 1 },
    ]);
    expect(views.totals).toEqual([{ type: 'page.viewed', count: 5 }]);
    expect(views.activeUsers).toBe(4);
    const runs = await activity(adminA, orgA, { ...range, types: ['workflow.run.started', 'workflow.run.completed', 'nothing.happened'] });
    expect(runs.totals).toEqual([
      { type: 'workflow.run.started', count: 2 },
      { type: 'workflow.run.completed', count: 1 },
    ]);
    expect(runs.eventCount).toBe(3);
    expect(runs.activeUsers).toBe(2);
  });

  it('never counts another organization’s events', async () => {
    const result = await activity(adminB, orgB, { from: at('01T00:00:00'), to: at('30T00:00:00') });
    expect(result.eventCount).toBe(seedB.length);
    expect(result.totals).toEqual([
      { type: 'workflow.run.started', count: 3 },
      { type: 'page.viewed', count: 1 },
      { type: 'workflow.run.completed', count: 1 },
    ]);
  });

  it('covers the last 30 days by default', async () => {
    const org = randomUUID();
    const owner = viewerIn({ [org]: 'OWNER' });
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const recent = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await call(
      /* GraphQL */ `mutation($input: IngestEventsInput!) { ingestEvents(input: $input) { accepted } }`,
      { input: { organizationId: org, events: [{ id: 'now', type: 'app.opened' }, { id: 'recent', type: 'app.opened', occurredAt: recent }, { id: 'old', type: 'app.opened', occurredAt: old }] } },
      owner,
    );
    const before = Date.now();
    const result = await activity(owner, org, {});
    expect(result.bucket).toBe('DAY');
    expect(result.eventCount).toBe(2);
    expect(result.activeUsers).toBe(1);
    const span = Date.parse(result.to) - Date.parse(result.from);
    expect(span).toBe(30 * 86_400_000);
    expect(Math.abs(Date.parse(result.to) - before)).toBeLessThan(10_000);
  });

  it('lets a VIEWER read the activity', async () => {
    const result = await activity(readerA, orgA, { from: at('10T00:00:00'), to: at('13T00:00:00') });
    expect(result.eventCount).toBe(seedA.length);
  });

  it('refuses an empty or reversed range, too many buckets and bad types', async () => {
    const reps = [{ __typename: 'Organization', id: orgA }];
    const cases: [Record<string, unknown>, string][] = [
      [{ from: at('10T00:00:00'), to: at('10T00:00:00') }, 'from'],
      [{ from: at('11T00:00:00'), to: at('10T00:00:00') }, 'from'],
      [{ from: '2025-01-01T00:00:00Z', to: '2025-04-01T00:00:00Z', bucket: 'HOUR' }, 'bucket'],
      [{ from: '2010-01-01T00:00:00Z', to: '2025-04-01T00:00:00Z', bucket: 'DAY' }, 'bucket'],
      [{ types: ['Bad Type'] }, 'types.0'],
      [{ types: [] }, 'types'],
    ];
    for (const [args, path] of cases) {
      const response = await call(ACTIVITY, { reps, ...args }, adminA);
      expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.extensions!.issues).toEqual([expect.objectContaining({ path })]);
    }
    // 2000 hourly buckets is the limit, not past it.
    const ok = await call(ACTIVITY, { reps, from: '2025-01-01T00:00:00Z', to: '2025-03-25T08:00:00Z', bucket: 'HOUR' }, adminA);
    expect(ok.errors).toBeUndefined();
  });

  it('resolves another tenant’s organization to null through _entities, and its activity with it', async () => {
    const response = await call<{ _entities: unknown[] }>(
      ACTIVITY,
      { reps: [{ __typename: 'Organization', id: orgA }, { __typename: 'Organization', id: orgB }] },
      adminB,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities[0]).toBeNull();
    expect(response.data!._entities[1]).toMatchObject({ id: orgB });
  });

  // Roles are read with core's roleIn (own keys only); visibleOrganization used to index the
  // token's memberships directly, where "constructor" and "__proto__" are inherited and truthy.
  it('resolves an Organization whose id is "constructor" or "__proto__" to null through _entities', async () => {
    const reps = ['constructor', '__proto__'].map((id) => ({ __typename: 'Organization', id }));
    const response = await call<{ _entities: unknown[] }>(`query ($reps: [_Any!]!) { _entities(representations: $reps) { __typename } }`, { reps }, adminA);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([null, null]);
  });
});

describe('WorkflowDefinition.stats', () => {
  it('counts runs started, completed and transitions of the caller’s own definitions', async () => {
    const [a] = await stats(adminA, [[defA, orgA]], { from: at('10T00:00:00'), to: at('12T00:00:00') });
    expect(a!.stats).toEqual({ runsStarted: 2, runsCompleted: 1, transitions: 1, lastEventAt: '2025-06-12T09:00:00.000Z' });
    expect(a!.ranged).toEqual({ runsStarted: 1, runsCompleted: 1, transitions: 1, lastEventAt: '2025-06-11T12:00:00.000Z' });
  });

  it('answers zeros for another tenant’s definition, never their numbers', async () => {
    const [b] = await stats(adminA, [[defB, orgB]]);
    expect(b!.stats).toEqual(zeros);
    const [a] = await stats(adminB, [[defA, orgA]]);
    expect(a!.stats).toEqual(zeros);
    const [bOwn] = await stats(adminB, [[defB, orgB]]);
    expect(bOwn!.stats).toEqual({ runsStarted: 2, runsCompleted: 1, transitions: 0, lastEventAt: '2025-06-10T12:00:00.000Z' });
  });

  it("counts only the definition's own organization's events: ones ingested into another organization naming its id never count, even for someone in both", async () => {
    const both = viewerIn({ [orgA]: 'VIEWER', [orgB]: 'VIEWER' });
    // B's forged event about A's definition (seeded above) would have made this 3.
    const [a] = await stats(both, [[defA, orgA]]);
    expect(a!.stats.runsStarted).toBe(2);
  });

  it('answers zeros to an anonymous caller and for unknown definitions', async () => {
    expect((await stats(null, [[defA, orgA]]))[0]!.stats).toEqual(zeros);
    expect((await stats(adminA, [[randomUUID(), orgA]]))[0]!.stats).toEqual(zeros);
  });

  it('resolves many definitions in one request, each with its own numbers', async () => {
    const both = viewerIn({ [orgA]: 'VIEWER', [orgB]: 'VIEWER' });
    const unknown = randomUUID();
    const result = await stats(both, [[defA, orgA], [defB, orgB], [unknown, orgA]], { from: at('10T10:30:00'), to: at('30T00:00:00') });
    expect(result.map((r) => [r.id, r.stats.runsStarted, r.ranged.runsStarted])).toEqual([
      [defA, 2, 1],
      [defB, 2, 1],
      [unknown, 0, 0],
    ]);
  });

  it('batches the lookups of many definitions into one query per range', async () => {
    queries.length = 0;
    const result = await stats(adminA, [[defA, orgA], [defB, orgB], [randomUUID(), orgA], [randomUUID(), orgA]], { from: at('10T00:00:00'), to: at('12T00:00:00') });
    expect(result).toHaveLength(4);
    // Two ranges (stats and ranged) for four definitions: two queries, not eight.
    expect(queries.filter((q) => q.includes('"analytics"."events"'))).toHaveLength(2);
  });

  it('refuses a reversed range', async () => {
    const response = await call(STATS, { reps: [{ __typename: 'WorkflowDefinition', id: defA, organization: { id: orgA } }], from: at('12T00:00:00'), to: at('11T00:00:00') }, adminA);
    expect(codesOf(response)).toContain('BAD_USER_INPUT');
  });
});
