import { sql } from 'drizzle-orm';
import { bigint, check, customType, index, jsonb, pgSchema, primaryKey, smallint, text, timestamp } from 'drizzle-orm/pg-core';
import { eventLogTables } from '@organoise/core';

/** The search subgraph owns the `search` Postgres schema; no other service reads it. */
export const searchSchema = pgSchema('search');

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * The Postgres index (engine/postgres.ts): one row per searchable entity per organization, as its
 * source described it. `tsv` is kept by a trigger (migration 0000): title weighted A, body B, in
 * the text search configuration named by `language` (SEARCH_LANGUAGE when the row was written; a
 * start with another setting rewrites the rows). A text column, not regconfig: pg_upgrade refuses
 * tables with reg* columns, and a generated column may not cast text to regconfig.
 */
export const documents = searchSchema.table(
  'documents',
  {
    /** Text, not uuid: the index stores what sources send and compares it with the argument as given. */
    organizationId: text('organization_id').notNull(),
    type: text('type').notNull(),
    id: text('id').notNull(),
    /** The rank of the least role that may see the entity (VIEWER 1, MEMBER 2, ADMIN 3, OWNER 4). */
    minRole: smallint('min_role').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    keywords: jsonb('keywords').$type<Record<string, string>>().notNull().default({}),
    /** Milliseconds only (truncated on write), so a cursor's ISO time compares equal to it. */
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    language: text('language').notNull(),
    tsv: tsvector('tsv').notNull(),
    /**
     * What the score ranks on (migration 0002, the same trigger): the title (A) and the first
     * 1,000 characters of the body (B). Small, so it stays in the row: ranking every match never
     * reads a long body's tsvector out of TOAST (matching still uses tsv, the whole body).
     */
    rankTsv: tsvector('rank_tsv').notNull().default(sql`''::tsvector`),
  },
  (t) => [
    primaryKey({ name: 'documents_pkey', columns: [t.organizationId, t.type, t.id] }),
    // The organization inside the tsvector index (btree_gin, migration 0002): a common word's
    // matches in one organization come from the index alone, never rechecked on the rows.
    index('documents_org_tsv_idx').using('gin', t.organizationId, t.tsv),
    // Typo-tolerant matching of names: `word <% title` (pg_trgm's word similarity).
    index('documents_title_trgm_idx').using('gin', t.title.op('gin_trgm_ops')),
    check('documents_min_role_check', sql`min_role between 1 and 4`),
  ],
);

/**
 * Per source and stream, the last seq of the source's log the index has applied (its cursor in
 * docs/protocols/search.md). Written in the transaction of the index writes when the index is
 * this database; after them otherwise (applied at least once).
 */
export const cursors = searchSchema.table(
  'cursors',
  {
    source: text('source').notNull(),
    stream: text('stream').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ name: 'cursors_pkey', columns: [t.source, t.stream] })],
);

/**
 * Which replica indexes (one row, id 1): a lease it renews while it polls. Another replica takes it
 * over only once it has expired; a holder whose lease was taken stops writing (its cursor write
 * checks it still holds the lease, in the same transaction).
 */
export const indexerLease = searchSchema.table('indexer_lease', {
  id: smallint('id').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/** The domain event log every subgraph has (docs/protocols/subscriptions.md); search publishes no events yet. */
export const { eventStreams, events } = eventLogTables(searchSchema);
