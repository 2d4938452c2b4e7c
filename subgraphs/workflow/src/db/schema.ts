import { sql } from 'drizzle-orm';
import { check, foreignKey, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { eventLogTables, idempotencyKeysTable, type Role } from '@organoise/core';
import type { WorkflowSpec } from '../domains/definitions/spec.js';

/**
 * The workflow subgraph owns the `workflow` Postgres schema; no other service reads it.
 * Organizations and users live in the user subgraph, so their ids are plain uuids here (no
 * foreign keys across services).
 *
 * Timestamps are always written from the application (millisecond precision), never by
 * `now()`: cursors carry them as ISO strings, and a microsecond the cursor cannot express would
 * make a row reappear on the next page.
 */
export const workflowSchema = pgSchema('workflow');

const at = (name: string) => timestamp(name, { withTimezone: true });

export type WorkflowRunStatus = 'ACTIVE' | 'COMPLETED' | 'CANCELLED';
export type HumanTaskStatus = 'OPEN' | 'DONE' | 'CANCELLED';

export const definitions = workflowSchema.table(
  'definitions',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull(),
    /** Slug, unique within the organization; never changes. */
    key: text('key').notNull(),
    name: text('name').notNull(),
    /** Lower-cased name: lists sort by it, so "alpha" and "Bravo" come out in the order people expect. */
    sortName: text('sort_name').notNull(),
    description: text('description'),
    latestVersion: integer('latest_version').notNull(),
    createdBy: uuid('created_by').notNull(),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('definitions_org_key_key').on(t.organizationId, t.key),
    index('definitions_org_name_idx').on(t.organizationId, t.sortName, t.id),
    index('definitions_org_created_idx').on(t.organizationId, t.createdAt, t.id),
    index('definitions_org_updated_idx').on(t.organizationId, t.updatedAt, t.id),
  ],
);

/** Immutable: an edit of states or transitions adds a version, so runs can keep the one they started on. */
export const definitionVersions = workflowSchema.table(
  'definition_versions',
  {
    definitionId: uuid('definition_id')
      .notNull()
      .references(() => definitions.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    spec: jsonb('spec').notNull().$type<WorkflowSpec>(),
    createdBy: uuid('created_by').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [primaryKey({ name: 'definition_versions_pkey', columns: [t.definitionId, t.version] }), check('definition_versions_version_check', sql`version >= 1`)],
);

export const runs = workflowSchema.table(
  'runs',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull(),
    definitionId: uuid('definition_id').notNull(),
    definitionVersion: integer('definition_version').notNull(),
    state: text('state').notNull(),
    status: text('status').notNull().$type<WorkflowRunStatus>(),
    startedBy: uuid('started_by').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>(),
    /** Transitions fired so far; the next history entry gets this plus one as its sequence. */
    transitionCount: integer('transition_count').notNull().default(0),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    finishedAt: at('finished_at'),
    cancelledBy: uuid('cancelled_by'),
    cancelReason: text('cancel_reason'),
  },
  (t) => [
    foreignKey({
      name: 'runs_definition_version_fkey',
      columns: [t.definitionId, t.definitionVersion],
      foreignColumns: [definitionVersions.definitionId, definitionVersions.version],
    }).onDelete('cascade'),
    index('runs_definition_created_idx').on(t.definitionId, t.createdAt, t.id),
    index('runs_definition_updated_idx').on(t.definitionId, t.updatedAt, t.id),
    index('runs_definition_status_idx').on(t.definitionId, t.status, t.createdAt, t.id),
    index('runs_definition_state_idx').on(t.definitionId, t.state, t.createdAt, t.id),
    index('runs_org_created_idx').on(t.organizationId, t.createdAt, t.id),
    index('runs_org_updated_idx').on(t.organizationId, t.updatedAt, t.id),
    index('runs_org_status_idx').on(t.organizationId, t.status, t.createdAt, t.id),
    index('runs_org_starter_idx').on(t.organizationId, t.startedBy, t.createdAt, t.id),
    check('runs_status_check', sql`status in ('ACTIVE','COMPLETED','CANCELLED')`),
  ],
);

export const runTransitions = workflowSchema.table(
  'run_transitions',
  {
    id: uuid('id').primaryKey(),
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    /** 1, 2, 3... per run: orders the history even when two entries share a timestamp. */
    seq: integer('seq').notNull(),
    transition: text('transition').notNull(),
    fromState: text('from_state').notNull(),
    toState: text('to_state').notNull(),
    actorId: uuid('actor_id').notNull(),
    comment: text('comment'),
    at: at('at').notNull(),
  },
  (t) => [uniqueIndex('run_transitions_run_seq_key').on(t.runId, t.seq)],
);

export const tasks = workflowSchema.table(
  'tasks',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull(),
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    /** The run state that opened the task; the task is done when the run leaves it. */
    state: text('state').notNull(),
    title: text('title').notNull(),
    assigneeId: uuid('assignee_id'),
    assigneeRole: text('assignee_role').$type<Role>(),
    status: text('status').notNull().$type<HumanTaskStatus>(),
    createdAt: at('created_at').notNull(),
    completedAt: at('completed_at'),
    completedBy: uuid('completed_by'),
  },
  (t) => [
    index('tasks_run_created_idx').on(t.runId, t.createdAt, t.id),
    index('tasks_assignee_idx').on(t.assigneeId, t.status, t.createdAt, t.id),
    index('tasks_org_role_idx').on(t.organizationId, t.assigneeRole, t.status, t.createdAt, t.id),
    check('tasks_status_check', sql`status in ('OPEN','DONE','CANCELLED')`),
    check('tasks_assignee_role_check', sql`assignee_role is null or assignee_role in ('OWNER','ADMIN','MEMBER','VIEWER')`),
    check('tasks_assigned_check', sql`assignee_id is not null or assignee_role is not null`),
  ],
);

/**
 * The domain event log (docs/protocols/subscriptions.md): events are appended in the transaction
 * of the change they describe, and subscribers resume from it.
 */
export const { eventStreams, events } = eventLogTables(workflowSchema);

/** Idempotency keys of create-type mutations (docs/protocols/idempotency.md), kept 24 hours. */
export const idempotencyKeys = idempotencyKeysTable(workflowSchema);
