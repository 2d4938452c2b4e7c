import { randomUUID } from 'node:crypto';
import {
  appError,
  id,
  idempotencyKey,
  isUniqueViolation,
  nonBlank,
  notFound,
  once,
  orderBy as orderByKeys,
  paginate,
  parseInput,
  requireViewer,
  z,
  type Database,
  type PageArgs,
  type SortDirection,
  type SortKey,
  requireRole,
  transactionWithEvents,
  viewerOrganizationIds,
} from '@organoise/core';
import { and, count, eq, ilike, inArray, or, sql } from 'drizzle-orm';
import { definitions, definitionVersions, idempotencyKeys } from '../../db/schema.js';
import type { PageDeps, WorkflowDeps } from '../../context.js';
import { emitDefinitionChange } from './events.js';
import { addGraphIssues, graphFields, sameGraph, type WorkflowSpec } from './spec.js';

export type DefinitionRow = typeof definitions.$inferSelect;
export type VersionRow = typeof definitionVersions.$inferSelect;

const key = z
  .string()
  .trim()
  .min(2, { message: 'must be at least 2 characters' })
  .max(64, { message: 'must be at most 64 characters' })
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'must be lower-case letters, digits and single hyphens' });
const description = z.string().trim().max(2000, { message: 'must be at most 2000 characters' });

export const CreateWorkflowDefinitionInput = z
  .object({
    organizationId: id(),
    key,
    name: nonBlank(100),
    description: description.nullish().transform((v) => (v ? v : null)),
    ...graphFields,
    idempotencyKey: idempotencyKey(),
  })
  .superRefine((input, ctx) => addGraphIssues(input, ctx));

export const UpdateWorkflowDefinitionInput = z
  .object({
    id: id(),
    name: nonBlank(100).optional(),
    // null clears the description; leaving it out keeps it.
    description: description
      .nullable()
      .optional()
      .transform((v) => (v === undefined ? undefined : v ? v : null)),
    states: graphFields.states.optional(),
    initialState: graphFields.initialState.optional(),
    transitions: graphFields.transitions.optional(),
  })
  .superRefine((input, ctx) => {
    const given = (['states', 'initialState', 'transitions'] as const).filter((f) => input[f] !== undefined);
    if (given.length === 0) return;
    if (given.length < 3) {
      for (const field of ['states', 'initialState', 'transitions'] as const) {
        if (input[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'states, initialState and transitions are changed together' });
      }
      return;
    }
    addGraphIssues(input as WorkflowSpec, ctx);
  });

export const versionKey = (definitionId: string, version: number) => `${definitionId}:${version}`;

/** Definitions by id in organizations the viewer belongs to (batched by the loader). */
export async function definitionsForViewer({ db, viewer }: Pick<WorkflowDeps, 'db' | 'viewer'>, ids: readonly string[]): Promise<DefinitionRow[]> {
  const orgs = viewerOrganizationIds(viewer);
  if (orgs.length === 0 || ids.length === 0) return [];
  return db
    .select()
    .from(definitions)
    .where(and(inArray(definitions.id, [...ids]), inArray(definitions.organizationId, orgs)));
}

/** Versions by `definitionId:version`; callers only ask for versions of definitions they could load. */
export async function versionsByKeys(db: Database, keys: readonly string[]): Promise<VersionRow[]> {
  const pairs = keys.map((k) => {
    const [definitionId, version] = k.split(':');
    return sql`(${definitionId}::uuid, ${Number(version)}::integer)`;
  });
  if (pairs.length === 0) return [];
  return db
    .select()
    .from(definitionVersions)
    .where(sql`(${definitionVersions.definitionId}, ${definitionVersions.version}) in (${sql.join(pairs, sql`, `)})`);
}

export async function definitionByKey({ db, viewer }: Pick<WorkflowDeps, 'db' | 'viewer'>, organizationId: string, value: string): Promise<DefinitionRow> {
  const orgId = parseInput(id(), organizationId);
  const slug = parseInput(key, value);
  requireRole(viewer, orgId);
  const [row] = await db
    .select()
    .from(definitions)
    .where(and(eq(definitions.organizationId, orgId), eq(definitions.key, slug)));
  if (!row) throw notFound('Workflow definition');
  return row;
}

export type DefinitionOrder = { field: 'NAME' | 'CREATED_AT' | 'UPDATED_AT'; direction: SortDirection };
export type DefinitionListArgs = PageArgs & { filter?: { search?: string | null } | null; orderBy?: DefinitionOrder | null };

const search = z.string().trim().max(100, { message: 'must be at most 100 characters' });

export function listDefinitions({ db, viewer }: Pick<WorkflowDeps, 'db' | 'viewer'>, organizationId: string, args: DefinitionListArgs) {
  requireRole(viewer, organizationId);
  const order = args.orderBy ?? { field: 'NAME', direction: 'ASC' };
  const first: SortKey<DefinitionRow> =
    order.field === 'NAME'
      ? { column: definitions.sortName, cast: 'text', direction: order.direction, value: (r) => r.sortName }
      : order.field === 'CREATED_AT'
        ? { column: definitions.createdAt, cast: 'timestamptz', direction: order.direction, value: (r) => r.createdAt }
        : { column: definitions.updatedAt, cast: 'timestamptz', direction: order.direction, value: (r) => r.updatedAt };
  const keys: SortKey<DefinitionRow>[] = [first, { column: definitions.id, cast: 'uuid', direction: order.direction, value: (r) => r.id }];
  const term = args.filter?.search == null ? '' : parseInput(z.object({ filter: z.object({ search }) }), { filter: { search: args.filter.search } }).filter.search;
  const pattern = term ? `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
  const where = and(
    eq(definitions.organizationId, organizationId),
    pattern ? or(ilike(definitions.name, pattern), ilike(definitions.key, pattern)) : undefined,
  );
  return paginate({
    args,
    keys,
    fetch: (after, limit) =>
      db
        .select()
        .from(definitions)
        .where(and(where, after))
        .orderBy(...orderByKeys(keys))
        .limit(limit),
    count: async () => (await db.select({ n: count() }).from(definitions).where(where))[0]?.n ?? 0,
  });
}

/** Newest first. */
export function listVersions({ loaders: { page }, viewer }: PageDeps, definition: DefinitionRow, args: PageArgs) {
  requireRole(viewer, definition.organizationId);
  return page<VersionRow>(
    {
      signature: 'definition.versions',
      table: definitionVersions,
      parent: definitionVersions.definitionId,
      parentId: definition.id,
      keys: [{ column: definitionVersions.version, cast: 'integer', direction: 'DESC', value: (r) => r.version }],
    },
    args,
  );
}

export async function createDefinition({ db, bus, viewer }: Pick<WorkflowDeps, 'db' | 'bus' | 'viewer'>, rawInput: unknown): Promise<DefinitionRow> {
  const { idempotencyKey: key, ...input } = parseInput(CreateWorkflowDefinitionInput, rawInput);
  const v = requireViewer(viewer);
  requireRole(v, input.organizationId, 'ADMIN');
  const now = new Date();
  const definitionId = randomUUID();
  const spec: WorkflowSpec = { states: input.states, initialState: input.initialState, transitions: input.transitions };
  try {
    return await transactionWithEvents(db, bus, async (tx, emit) => {
      const result = await once(tx, idempotencyKeys, { viewer: v, key, operation: 'createWorkflowDefinition', input }, async () => {
        const [row] = await tx
          .insert(definitions)
          .values({
            id: definitionId,
            organizationId: input.organizationId,
            key: input.key,
            name: input.name,
            sortName: input.name.toLowerCase(),
            description: input.description,
            latestVersion: 1,
            createdBy: v.userId,
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        await tx.insert(definitionVersions).values({ definitionId, version: 1, spec, createdBy: v.userId, createdAt: now });
        await emitDefinitionChange(emit, 'workflow.definition.created', row!, { versioned: true, renamed: true }, v.userId);
        return row!;
      });
      if ('created' in result) return result.created;
      // A retry of a definition already created: as it is now, if the caller may still see it.
      const [row] = await tx.select().from(definitions).where(and(eq(definitions.id, result.replayedId), inArray(definitions.organizationId, viewerOrganizationIds(v))));
      if (!row) throw notFound('Workflow definition');
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw appError('CONFLICT', 'A workflow with this key already exists in the organization', { issues: [{ path: 'key', message: 'is taken' }] });
    }
    throw error;
  }
}

/**
 * Name and description change in place. A changed graph becomes a new version and the
 * definition's latest; runs keep the version they started on. The definition row is locked so
 * two concurrent edits number their versions one after the other.
 */
export async function updateDefinition({ db, bus, viewer }: Pick<WorkflowDeps, 'db' | 'bus' | 'viewer'>, rawInput: unknown): Promise<DefinitionRow> {
  const input = parseInput(UpdateWorkflowDefinitionInput, rawInput);
  const v = requireViewer(viewer);
  return transactionWithEvents(db, bus, async (tx, emit) => {
    const [current] = await tx.select().from(definitions).where(eq(definitions.id, input.id)).for('update');
    // Another tenant's definition is as unknown as a missing one.
    if (!current || !viewerOrganizationIds(v).includes(current.organizationId)) throw notFound('Workflow definition');
    requireRole(v, current.organizationId, 'ADMIN');
    const now = new Date();
    let latestVersion = current.latestVersion;
    if (input.states && input.initialState && input.transitions) {
      const spec: WorkflowSpec = { states: input.states, initialState: input.initialState, transitions: input.transitions };
      const [latest] = await tx
        .select()
        .from(definitionVersions)
        .where(and(eq(definitionVersions.definitionId, current.id), eq(definitionVersions.version, current.latestVersion)));
      if (!latest || !sameGraph(latest.spec, spec)) {
        latestVersion = current.latestVersion + 1;
        await tx.insert(definitionVersions).values({ definitionId: current.id, version: latestVersion, spec, createdBy: v.userId, createdAt: now });
      }
    }
    const changed =
      latestVersion !== current.latestVersion ||
      (input.name !== undefined && input.name !== current.name) ||
      (input.description !== undefined && input.description !== current.description);
    if (!changed) return current;
    const [row] = await tx
      .update(definitions)
      .set({
        name: input.name ?? current.name,
        sortName: (input.name ?? current.name).toLowerCase(),
        description: input.description === undefined ? current.description : input.description,
        latestVersion,
        updatedAt: now,
      })
      .where(eq(definitions.id, current.id))
      .returning();
    await emitDefinitionChange(emit, 'workflow.definition.updated', row!, { versioned: latestVersion !== current.latestVersion, renamed: row!.name !== current.name }, v.userId);
    return row!;
  });
}
