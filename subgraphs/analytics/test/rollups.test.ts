import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Database, type OpenDatabase, type Role, type Viewer } from '@organoise/core';
import { createTestDatabase, subgraphClient, TEST_INTERNAL_SECRET, testLog, type TestDatabase } from '@organoise/core/testing';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../src/db/schema.js';
import { organizationActivity, planRange, type ActivityBucket } from '../src/domains/aggregates/aggregates.js';
import { SUBGRAPH_NAME, startAnalyticsSubgraph, type AnalyticsSubgraph } from '../src/index.js';

// The rollups (migrations 0002-0005) answer Organization.activity for whole hours and days: these
// tests hold every answer to the same query computed over the raw events, and the rollup tables
// themselves to a recount of the raw events, after random ingests, retries, concurrent batches and
// the backfill of events stored before the rollups existed.

const MIGRATIONS = fileURLToPath(new URL('../drizzle', import.meta.url));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A Monday 00:00 UTC: the generated events and ranges fall within four days of it. */
const T0 = Date.UTC(2025, 5, 9);
const SPAN = 4 * DAY;
const TYPES = ['page.viewed', 'workflow.run.started', 'file.uploaded'] as const;

const viewerIn = (memberships: Record<string, Role>): Viewer => ({ userId: randomUUID(), sessionId: randomUUID(), memberships });

/** Times near bucket edges (a day or hour boundary, +-1 ms, +-1 s) as often as anywhere else. */
const instant = fc.oneof(
  fc.integer({ min: 0, max: SPAN }),
  fc
    .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 23 }), fc.constantFrom(-1000, -1, 0, 1, 1000), fc.boolean())
    .map(([day, hour, nudge, onDay]) => Math.min(SPAN, Math.max(0, day * DAY + (onDay ? 0 : hour * HOUR) + nudge))),
);

/** Every rollup row equals a recount of the raw events; any difference is returned (empty when exact). */
async function rollupDrift(db: Database): Promise<unknown[]> {
  const rows = await db.execute(sql`
    with recount_hourly as (select organization_id, date_trunc('hour', occurred_at, 'UTC') as bucket_start, type, count(*)::int as count from analytics.events group by 1, 2, 3),
         recount_daily as (select organization_id, date_trunc('day', occurred_at, 'UTC') as bucket_start, type, count(*)::int as count from analytics.events group by 1, 2, 3),
         recount_actors as (select distinct organization_id, date_trunc('day', occurred_at, 'UTC') as bucket_start, type, actor_id from analytics.events where actor_id is not null),
         recount_any as (select distinct organization_id, date_trunc('day', occurred_at, 'UTC') as bucket_start, actor_id from analytics.events where actor_id is not null)
    (select 'hourly missing' as drift, r.organization_id::text, r.bucket_start::text, r.type, null as actor from (select * from recount_hourly except select * from analytics.event_counts_hourly) r)
    union all (select 'hourly extra', r.organization_id::text, r.bucket_start::text, r.type, null from (select * from analytics.event_counts_hourly except select * from recount_hourly) r)
    union all (select 'daily missing', r.organization_id::text, r.bucket_start::text, r.type, null from (select * from recount_daily except select * from analytics.event_counts_daily) r)
    union all (select 'daily extra', r.organization_id::text, r.bucket_start::text, r.type, null from (select * from analytics.event_counts_daily except select * from recount_daily) r)
    union all (select 'actors missing', r.organization_id::text, r.bucket_start::text, r.type, r.actor_id::text from (select * from recount_actors except select * from analytics.event_actors_daily) r)
    union all (select 'actors extra', r.organization_id::text, r.bucket_start::text, r.type, r.actor_id::text from (select * from analytics.event_actors_daily except select * from recount_actors) r)
    union all (select 'any-type actors missing', r.organization_id::text, r.bucket_start::text, null, r.actor_id::text from (select * from recount_any except select * from analytics.event_actors_daily_any_type) r)
    union all (select 'any-type actors extra', r.organization_id::text, r.bucket_start::text, null, r.actor_id::text from (select * from analytics.event_actors_daily_any_type except select * from recount_any) r)`);
  // postgres.js answers an array of rows, PGlite an object holding them.
  return Array.isArray(rows) ? rows : (rows as unknown as { rows: unknown[] }).rows;
}

/** Organization.activity computed from the raw events only, the way it was before the rollups. */
async function fromRawEvents(db: Database, organizationId: string, from: Date, to: Date, bucket: ActivityBucket, types: string[] | null) {
  const where = sql`organization_id = ${organizationId} and occurred_at >= ${from.toISOString()}::timestamptz and occurred_at < ${to.toISOString()}::timestamptz
    ${types ? sql`and type in (${sql.join(types.map((t) => sql`${t}`), sql`, `)})` : sql``}`;
  const unit = sql.raw(bucket === 'DAY' ? `'day'` : `'hour'`);
  const series = await db
    .select({
      bucketStart: sql`date_trunc(${unit}, occurred_at, 'UTC')`.mapWith(events.occurredAt),
      type: sql<string>`type`.mapWith(String),
      count: sql<number>`count(*)::int`.mapWith(Number),
    })
    .from(sql`analytics.events`)
    .where(where)
    .groupBy(sql`1, 2`)
    .orderBy(sql`1, 2`);
  const [actors] = await db.select({ n: sql<number>`count(distinct actor_id)::int`.mapWith(Number) }).from(sql`analytics.events`).where(where);
  return { series, activeUsers: actors!.n };
}

async function viaRollups(db: Database, viewer: Viewer, organizationId: string, from: Date, to: Date, bucket: ActivityBucket, types: string[] | null) {
  const activity = organizationActivity({ db, viewer }, organizationId, { from, to, bucket, types });
  return { series: await activity.series(), activeUsers: await activity.activeUsers() };
}

describe('planRange', () => {
  it('reads whole days and hours from the rollups and only the partial hours at the edges from raw events', () => {
    const plan = planRange(new Date(T0 + 90 * 60_000), new Date(T0 + 2 * DAY + 30 * 60_000), true);
    expect(plan).toEqual({
      days: [T0 + DAY, T0 + 2 * DAY],
      hours: [[T0 + 2 * HOUR, T0 + DAY]],
      raw: [
        [T0 + 90 * 60_000, T0 + 2 * HOUR],
        [T0 + 2 * DAY, T0 + 2 * DAY + 30 * 60_000],
      ],
    });
    expect(planRange(new Date(T0 + 1), new Date(T0 + HOUR - 1), true)).toEqual({ days: null, hours: [], raw: [[T0 + 1, T0 + HOUR - 1]] });
    expect(planRange(new Date(T0), new Date(T0 + 2 * DAY), false)).toEqual({ days: null, hours: [[T0, T0 + 2 * DAY]], raw: [] });
  });
});

describe('rollups on the database', () => {
  let database: OpenDatabase;
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openDatabase({ url: testDb.url, dataDir: testDb.dataDir, schema: 'analytics', migrationsFolder: MIGRATIONS });
  });

  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it('answer every range, bucket and type filter as the raw events do, and stay equal to a recount', async () => {
    const event = fc.record({
      organization: fc.integer({ min: 0, max: 1 }),
      type: fc.constantFrom(...TYPES),
      actor: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
      at: instant,
      id: fc.integer({ min: 0, max: 40 }),
    });
    const query = fc.record({
      from: instant,
      length: fc.oneof(fc.integer({ min: 1, max: SPAN }), fc.constantFrom(1, HOUR, DAY, 2 * DAY)),
      bucket: fc.constantFrom<ActivityBucket>('HOUR', 'DAY'),
      types: fc.option(fc.subarray([...TYPES], { minLength: 1 }), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(event, { maxLength: 25 }), { minLength: 1, maxLength: 3 }), fc.array(query, { minLength: 1, maxLength: 4 }), async (batches, queries) => {
        // Fresh organizations per run: each run's answers are its own events' only, while every
        // earlier run's events stay in the tables (other tenants, as far as this run can tell).
        const organizations = [randomUUID(), randomUUID()];
        const actors = Array.from({ length: 5 }, () => randomUUID());
        const viewer = viewerIn(Object.fromEntries(organizations.map((o) => [o, 'VIEWER'])));
        // Each batch is inserted as ingestEvents does (ON CONFLICT DO NOTHING), so repeated ids,
        // within a batch and across batches, are retries that must count once.
        for (const batch of batches) {
          if (batch.length === 0) continue;
          const rows = new Map(
            batch.map((e) => [
              `${e.organization}/${e.id}`,
              {
                organizationId: organizations[e.organization]!,
                clientId: `e${e.id}`,
                type: e.type,
                actorId: e.actor === null ? null : actors[e.actor]!,
                occurredAt: new Date(T0 + e.at),
              },
            ]),
          );
          await database.db.insert(events).values([...rows.values()]).onConflictDoNothing();
        }
        for (const q of queries) {
          const from = new Date(T0 + q.from);
          const to = new Date(T0 + q.from + q.length);
          for (const organizationId of organizations) {
            const expected = await fromRawEvents(database.db, organizationId, from, to, q.bucket, q.types);
            expect(await viaRollups(database.db, viewer, organizationId, from, to, q.bucket, q.types)).toEqual(expected);
          }
        }
      }),
      { numRuns: 40, seed: 20261205 },
    );
    expect(await rollupDrift(database.db)).toEqual([]);
  }, 300_000);
});

describe('rollups through the API', () => {
  let testDb: TestDatabase;
  let server: AnalyticsSubgraph;
  let call: ReturnType<typeof subgraphClient>;
  const orgA = randomUUID();
  const orgB = randomUUID();
  const memberA = viewerIn({ [orgA]: 'MEMBER' });
  const memberB = viewerIn({ [orgB]: 'MEMBER' });
  const INGEST = /* GraphQL */ `mutation($input: IngestEventsInput!) { ingestEvents(input: $input) { accepted duplicates } }`;
  const ACTIVITY = /* GraphQL */ `
    query($reps: [_Any!]!, $from: DateTime, $to: DateTime) {
      _entities(representations: $reps) { ... on Organization { activity(from: $from, to: $to, bucket: DAY) { eventCount activeUsers totals { type count } } } }
    }`;
  const day = (n: number) => new Date(T0 + n * DAY).toISOString();
  const activity = async (viewer: Viewer, organizationId: string) => {
    const response = await call<{ _entities: { activity: { eventCount: number; activeUsers: number; totals: { type: string; count: number }[] } }[] }>(
      ACTIVITY,
      { reps: [{ __typename: 'Organization', id: organizationId }], from: day(0), to: day(3) },
      viewer,
    );
    expect(response.errors).toBeUndefined();
    return response.data!._entities[0]!.activity;
  };
  const batch = (prefix: string, n: number, type = 'page.viewed') =>
    Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, type, occurredAt: new Date(T0 + DAY + (i % 3) * 1000).toISOString() }));

  beforeAll(async () => {
    testDb = await createTestDatabase();
    server = await startAnalyticsSubgraph({ database: { url: testDb.url, dataDir: testDb.dataDir }, internalTokenSecret: TEST_INTERNAL_SECRET, log: testLog });
    call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
  });

  afterAll(async () => {
    await server?.close();
    await testDb?.drop();
  });

  it('counts a retried batch once', async () => {
    const events = batch('retry', 5);
    const first = await call(INGEST, { input: { organizationId: orgA, events } }, memberA);
    const again = await call(INGEST, { input: { organizationId: orgA, events } }, memberA);
    expect([first.data?.ingestEvents, again.data?.ingestEvents]).toEqual([
      { accepted: 5, duplicates: 0 },
      { accepted: 0, duplicates: 5 },
    ]);
    expect(await activity(memberA, orgA)).toEqual({ eventCount: 5, activeUsers: 1, totals: [{ type: 'page.viewed', count: 5 }] });
    expect(await rollupDrift(server.services.db)).toEqual([]);
  });

  it('adds up concurrent batches on the same counters exactly, overlapping retries included', async () => {
    const before = (await activity(memberA, orgA)).eventCount;
    // 12 batches at once, all on the same organization, type, hour and day; every batch shares
    // half of its ids with the next one, as retries racing their originals do.
    const batches = Array.from({ length: 12 }, (_, i) => [...batch(`c${i}`, 20), ...batch(`c${i + 1}`, 10)]);
    const answers = await Promise.all(batches.map((events) => call(INGEST, { input: { organizationId: orgA, events } }, memberA)));
    expect(answers.map((a) => a.errors)).toEqual(batches.map(() => undefined));
    const distinct = new Set(batches.flat().map((e) => e.id)).size;
    expect(answers.reduce((sum, a) => sum + (a.data as { ingestEvents: { accepted: number } }).ingestEvents.accepted, 0)).toBe(distinct);
    expect((await activity(memberA, orgA)).eventCount).toBe(before + distinct);
    expect(await rollupDrift(server.services.db)).toEqual([]);
  });

  it("keeps each organization's counts to itself", async () => {
    const a = await activity(memberA, orgA);
    await call(INGEST, { input: { organizationId: orgB, events: batch('b', 7, 'file.uploaded') } }, memberB);
    expect(await activity(memberA, orgA)).toEqual(a);
    expect(await activity(memberB, orgB)).toEqual({ eventCount: 7, activeUsers: 1, totals: [{ type: 'file.uploaded', count: 7 }] });
    // Another organization's member gets no figures of A's: the organization resolves to null.
    const response = await call<{ _entities: unknown[] }>(ACTIVITY, { reps: [{ __typename: 'Organization', id: orgA }], from: day(0), to: day(3) }, memberB);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([null]);
  });
});

describe('the backfill migration', () => {
  let testDb: TestDatabase;
  const folders: string[] = [];

  afterAll(async () => {
    await testDb?.drop();
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it('fills the rollups from the events stored before them, exactly', async () => {
    testDb = await createTestDatabase();
    // The migrations as they were before the rollups: the same folder with the journal cut short
    // at the first rollup migration. Everything after it goes too: drizzle applies only migrations
    // newer than the last one applied, so a later one kept here (0006 was) would hide the rollups'.
    const before = mkdtempSync(join(tmpdir(), 'analytics-migrations-'));
    folders.push(before);
    cpSync(MIGRATIONS, before, { recursive: true });
    const journal = JSON.parse(readFileSync(join(before, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
    const firstRollup = journal.entries.findIndex((e) => e.tag === '0002_event_rollups');
    expect(firstRollup).toBeGreaterThan(0);
    journal.entries = journal.entries.slice(0, firstRollup);
    writeFileSync(join(before, 'meta/_journal.json'), JSON.stringify(journal));
    const dataDir = testDb.dataDir === 'memory' ? mkdtempSync(join(tmpdir(), 'analytics-pglite-')) : undefined;
    if (dataDir) folders.push(dataDir);

    const old = await openDatabase({ url: testDb.url, dataDir, schema: 'analytics', migrationsFolder: before });
    const organizations = [randomUUID(), randomUUID()];
    const actors = [randomUUID(), randomUUID(), randomUUID()];
    await old.db.insert(events).values(
      Array.from({ length: 300 }, (_, i) => ({
        organizationId: organizations[i % 2]!,
        clientId: `old-${i}`,
        type: TYPES[i % 3]!,
        actorId: i % 7 === 0 ? null : actors[i % 3]!,
        occurredAt: new Date(T0 + ((i * 7919 * 1000) % SPAN)),
      })),
    );
    await old.close();

    const upgraded = await openDatabase({ url: testDb.url, dataDir, schema: 'analytics', migrationsFolder: MIGRATIONS });
    try {
      expect(await rollupDrift(upgraded.db)).toEqual([]);
      const counted = await upgraded.db.execute(sql`select coalesce(sum(count), 0)::int as n from analytics.event_counts_daily`);
      expect((Array.isArray(counted) ? counted : (counted as unknown as { rows: unknown[] }).rows)[0]).toEqual({ n: 300 });
      const viewer = viewerIn(Object.fromEntries(organizations.map((o) => [o, 'VIEWER'])));
      for (const organizationId of organizations) {
        const from = new Date(T0 + 5 * 60_000);
        const to = new Date(T0 + 3 * DAY + 7 * 60_000);
        expect(await viaRollups(upgraded.db, viewer, organizationId, from, to, 'DAY', null)).toEqual(await fromRawEvents(upgraded.db, organizationId, from, to, 'DAY', null));
      }
    } finally {
      await upgraded.close();
    }
    // PGlite on disk, opened twice, on a shared machine: slow, never a measure of anything.
  }, 300_000);
});
