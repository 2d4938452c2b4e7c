import { bigint, index, jsonb, text, timestamp, uuid, primaryKey, type PgSchema } from 'drizzle-orm/pg-core';

/**
 * The per-stream event log a subgraph keeps in its own schema (docs/protocols/subscriptions.md).
 * Each subgraph calls this from its src/db/schema.ts so drizzle-kit generates the tables into its
 * migrations. `names` avoids a clash with a table of the subgraph's own (analytics has `events`).
 */
export function eventLogTables(schema: PgSchema, names: { events?: string; streams?: string } = {}) {
  const eventsName = names.events ?? 'events';
  const streamsName = names.streams ?? 'event_streams';
  const eventStreams = schema.table(
    streamsName,
    {
      stream: text('stream').primaryKey(),
      seq: bigint('seq', { mode: 'number' }).notNull(),
      /**
       * The id of the transaction that last wrote the row (pg_current_xact_id(), set by a trigger of
       * each log's migration, so that code of any version sets it): the search protocol's "what moved
       * since" reads only the rows written since a snapshot's xmin (docs/protocols/search.md#tokens).
       */
      changedXid: bigint('changed_xid', { mode: 'number' }).notNull().default(0),
    },
    (t) => [index(`${streamsName}_changed_xid_idx`).on(t.changedXid)],
  );
  const events = schema.table(
    eventsName,
    {
      stream: text('stream').notNull(),
      seq: bigint('seq', { mode: 'number' }).notNull(),
      type: text('type').notNull(),
      organizationId: uuid('organization_id'),
      payload: jsonb('payload').notNull(),
      createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.stream, t.seq] }), index(`${eventsName}_created_idx`).on(t.createdAt)],
  );
  return { eventStreams, events };
}

export type EventLogTables = ReturnType<typeof eventLogTables>;
