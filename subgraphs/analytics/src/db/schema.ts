import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { eventLogTables } from '@organoise/core';

/** The analytics subgraph owns the `analytics` Postgres schema; no other service reads it. */
export const analyticsSchema = pgSchema('analytics');

export const events = analyticsSchema.table(
  'events',
  {
    organizationId: uuid('organization_id').notNull(),
    /** Chosen by the client, so a retried batch lands on the same keys and inserts nothing new. */
    clientId: text('client_id').notNull(),
    type: text('type').notNull(),
    actorId: uuid('actor_id'),
    /** What the event is about (e.g. a workflow definition id); owned by another subgraph, so no foreign key. */
    subjectId: text('subject_id'),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
    /** The client's clock: events are counted when they happened, not when they arrived. */
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The primary key is also the idempotency key that ON CONFLICT DO NOTHING relies on.
    primaryKey({ name: 'events_pkey', columns: [t.organizationId, t.clientId] }),
    // Event list (newest first, client id as tie-breaker), time-range aggregates, active users.
    index('events_org_occurred_idx').on(t.organizationId, t.occurredAt, t.clientId),
    // Aggregates and lists filtered by type.
    index('events_org_type_occurred_idx').on(t.organizationId, t.type, t.occurredAt),
    // Lists filtered by actor.
    index('events_org_actor_occurred_idx').on(t.organizationId, t.actorId, t.occurredAt),
    // Per-subject stats (WorkflowDefinition.stats) and lists filtered by subject.
    index('events_subject_type_occurred_idx').on(t.subjectId, t.type, t.occurredAt).where(sql`subject_id is not null`),
    check('events_client_id_check', sql`char_length(client_id) between 1 and 128`),
    check('events_type_check', sql`char_length(type) between 1 and 100`),
  ],
);

/*
 * Rollups of `events`, kept by a trigger in the transaction of each insert (migration
 * 0003_event_rollups_maintained, 0005): only rows the insert actually stored count, so a retried batch
 * (ON CONFLICT DO NOTHING) counts once, and every writer (the API, the benchmark's seed, a restore)
 * keeps them exact. Aggregates read whole UTC hours and days from here and only the partial hours
 * at the edges of a range from `events` (aggregates.ts). Buckets start at UTC hour or day boundaries.
 */
const rollupKey = {
  organizationId: uuid('organization_id').notNull(),
  bucketStart: timestamp('bucket_start', { withTimezone: true }).notNull(),
  type: text('type').notNull(),
};

/** Events per organization, UTC hour and type. */
export const eventCountsHourly = analyticsSchema.table(
  'event_counts_hourly',
  { ...rollupKey, count: integer('count').notNull() },
  (t) => [primaryKey({ name: 'event_counts_hourly_pkey', columns: [t.organizationId, t.bucketStart, t.type] })],
);

/** Events per organization, UTC day and type. */
export const eventCountsDaily = analyticsSchema.table(
  'event_counts_daily',
  { ...rollupKey, count: integer('count').notNull() },
  (t) => [primaryKey({ name: 'event_counts_daily_pkey', columns: [t.organizationId, t.bucketStart, t.type] })],
);

/**
 * The distinct actors per organization, UTC day and type: a set, not a counter, because distinct
 * counts do not add up across days (active users over a range is the size of the union).
 */
export const eventActorsDaily = analyticsSchema.table(
  'event_actors_daily',
  { ...rollupKey, actorId: uuid('actor_id').notNull() },
  (t) => [primaryKey({ name: 'event_actors_daily_pkey', columns: [t.organizationId, t.bucketStart, t.type, t.actorId] })],
);

/**
 * The distinct actors per organization and UTC day, whatever the type: active users over all
 * types (the dashboard's question) read about half the rows of the per-type sets.
 */
export const eventActorsDailyAnyType = analyticsSchema.table(
  'event_actors_daily_any_type',
  { organizationId: rollupKey.organizationId, bucketStart: rollupKey.bucketStart, actorId: uuid('actor_id').notNull() },
  (t) => [primaryKey({ name: 'event_actors_daily_any_type_pkey', columns: [t.organizationId, t.bucketStart, t.actorId] })],
);

/**
 * The domain event log (docs/protocols/subscriptions.md): events are appended in the transaction
 * of the change they describe, and subscriptions replay them from here. Named `event_log` and
 * `event_log_streams`: `analytics.events` is already the ingested events.
 */
export const { eventStreams, events: logEvents } = eventLogTables(analyticsSchema, { events: 'event_log', streams: 'event_log_streams' });
