import { randomUUID } from 'node:crypto';
import {
  appError,
  forbidden,
  id,
  idempotencyKey,
  notFound,
  once,
  orderBy as orderByKeys,
  paginate,
  parseInput,
  requireViewer,
  roleAtLeast,
  transactionWithEvents,
  z,
  type Database,
  type Emit,
  type PageArgs,
  type SortDirection,
  type SortKey,
  type Viewer,
  requireRole,
  viewerOrganizationIds,
} from '@organoise/core';
import { and, count, eq, inArray, type SQL } from 'drizzle-orm';
import { definitions, idempotencyKeys, runs, runTransitions, type WorkflowRunStatus } from '../../db/schema.js';
import type { PageDeps, WorkflowDeps } from '../../context.js';
import type { DefinitionRow } from '../definitions/definitions.js';
import { graphName } from '../definitions/spec.js';
import { closeOpenTasks, fireTransition, lockRun, openTaskFor, specOfRun, type RunRow } from './engine.js';
import { emitRunChange } from './events.js';

export type { RunRow };
export type HistoryRow = typeof runTransitions.$inferSelect;

export const RUN_DATA_MAX_BYTES = 64 * 1024;

const runData = z
  .record(z.string(), z.unknown(), { message: 'must be a JSON object' })
  .nullish()
  .transform((v) => v ?? null)
  .refine((v) => v === null || Buffer.byteLength(JSON.stringify(v)) <= RUN_DATA_MAX_BYTES, {
    message: `must be at most ${RUN_DATA_MAX_BYTES / 1024} KB of JSON`,
  });
const comment = z
  .string()
  .trim()
  .max(2000, { message: 'must be at most 2000 characters' })
  .nullish()
  .transform((v) => (v ? v : null));

export const StartWorkflowRunInput = z.object({ definitionId: id(), data: runData, idempotencyKey: idempotencyKey() });
export const TransitionWorkflowRunInput = z.object({
  runId: id(),
  transition: graphName(),
  comment,
  expectedState: graphName()
    .nullish()
    .transform((v) => v ?? null),
});
export const CancelWorkflowRunInput = z.object({ runId: id(), reason: comment });

const RunStatus = z.enum(['ACTIVE', 'COMPLETED', 'CANCELLED']);
const RunFilter = z
  .object({
    state: graphName().nullish(),
    status: RunStatus.nullish(),
    startedById: id().nullish(),
    definitionId: id().nullish(),
  })
  .nullish();

export type RunOrder = { field: 'STARTED_AT' | 'UPDATED_AT'; direction: SortDirection };
export type RunListArgs = PageArgs & {
  filter?: { state?: string | null; status?: WorkflowRunStatus | null; startedById?: string | null; definitionId?: string | null } | null;
  orderBy?: RunOrder | null;
};

/** Runs by id in organizations the viewer belongs to (batched by the loader). */
export async function runsForViewer({ db, viewer }: Pick<WorkflowDeps, 'db' | 'viewer'>, ids: readonly string[]): Promise<RunRow[]> {
  const orgs = viewerOrganizationIds(viewer);
  if (orgs.length === 0 || ids.length === 0) return [];
  return db
    .select()
    .from(runs)
    .where(and(inArray(runs.id, [...ids]), inArray(runs.organizationId, orgs)));
}

function runKeys(order: RunOrder | null | undefined): SortKey<RunRow>[] {
  const o = order ?? { field: 'STARTED_AT', direction: 'DESC' };
  return [
    o.field === 'UPDATED_AT'
      ? { column: runs.updatedAt, cast: 'timestamptz', direction: o.direction, value: (r) => r.updatedAt }
      : { column: runs.createdAt, cast: 'timestamptz', direction: o.direction, value: (r) => r.createdAt },
    { column: runs.id, cast: 'uuid', direction: o.direction, value: (r) => r.id },
  ];
}

function runFilter(args: RunListArgs): { where: SQL | undefined; signature: string } {
  const filter = parseInput(z.object({ filter: RunFilter }), { filter: args.filter ?? null }).filter ?? {};
  return {
    where: and(
      filter.state ? eq(runs.state, filter.state) : undefined,
      filter.status ? eq(runs.status, filter.status) : undefined,
      filter.startedById ? eq(runs.startedBy, filter.startedById) : undefined,
      filter.definitionId ? eq(runs.definitionId, filter.definitionId) : undefined,
    ),
    signature: JSON.stringify([filter.state, filter.status, filter.startedById, filter.definitionId]),
  };
}

/** The runs of one definition; first pages for many definitions are fetched together. */
export function listDefinitionRuns({ loaders: { page }, viewer }: PageDeps, definition: DefinitionRow, args: RunListArgs) {
  requireRole(viewer, definition.organizationId);
  const { where, signature } = runFilter({ ...args, filter: { ...args.filter, definitionId: null } });
  const keys = runKeys(args.orderBy);
  return page<RunRow>(
    {
      signature: `definition.runs:${signature}:${keys.map((k) => `${k.column.name} ${k.direction}`).join(',')}`,
      table: runs,
      parent: runs.definitionId,
      parentId: definition.id,
      where,
      keys,
    },
    args,
  );
}

export function listOrganizationRuns({ db, viewer }: Pick<WorkflowDeps, 'db' | 'viewer'>, organizationId: string, args: RunListArgs) {
  requireRole(viewer, organizationId);
  const { where: filter } = runFilter(args);
  const where = and(eq(runs.organizationId, organizationId), filter);
  const keys = runKeys(args.orderBy);
  return paginate({
    args,
    keys,
    fetch: (after, limit) =>
      db
        .select()
        .from(runs)
        .where(and(where, after))
        .orderBy(...orderByKeys(keys))
        .limit(limit),
    count: async () => (await db.select({ n: count() }).from(runs).where(where))[0]?.n ?? 0,
  });
}

export function listHistory({ loaders: { page }, viewer }: PageDeps, run: RunRow, args: PageArgs & { direction?: SortDirection | null }) {
  requireRole(viewer, run.organizationId);
  const direction = args.direction ?? 'ASC';
  return page<HistoryRow>(
    {
      signature: `run.history:${direction}`,
      table: runTransitions,
      parent: runTransitions.runId,
      parentId: run.id,
      keys: [{ column: runTransitions.seq, cast: 'integer', direction, value: (r) => r.seq }],
    },
    args,
  );
}

/** Pins the definition's latest version: later edits of the definition do not touch this run. */
export async function startRun({ db, bus, viewer }: Pick<WorkflowDeps, 'db' | 'bus' | 'viewer'>, rawInput: unknown): Promise<RunRow> {
  const { idempotencyKey: key, ...input } = parseInput(StartWorkflowRunInput, rawInput);
  const v = requireViewer(viewer);
  return transactionWithEvents(db, bus, async (tx, emit) => {
    const result = await once(tx, idempotencyKeys, { viewer: v, key, operation: 'startWorkflowRun', input }, () => createRun(tx, emit, v, input));
    if ('created' in result) return result.created;
    // A retry of a run already started: the run as it is now, if the caller still sees it.
    const [run] = await runsForViewer({ db: tx, viewer: v }, [result.replayedId]);
    if (!run) throw notFound('Workflow run');
    return run;
  });
}

async function createRun(tx: Database, emit: Emit, v: Viewer, input: { definitionId: string; data: Record<string, unknown> | null }): Promise<RunRow> {
  const [definition] = await tx.select().from(definitions).where(eq(definitions.id, input.definitionId));
  if (!definition || !viewerOrganizationIds(v).includes(definition.organizationId)) throw notFound('Workflow definition');
  requireRole(v, definition.organizationId, 'MEMBER');
  const spec = await specOfRun(tx, { definitionId: definition.id, definitionVersion: definition.latestVersion });
  const initial = spec.states.find((s) => s.name === spec.initialState);
  if (!initial) throw new Error(`definition ${definition.id}@${definition.latestVersion} has no initial state`);
  const now = new Date();
  const [run] = await tx
    .insert(runs)
    .values({
      id: randomUUID(),
      organizationId: definition.organizationId,
      definitionId: definition.id,
      definitionVersion: definition.latestVersion,
      state: initial.name,
      status: 'ACTIVE',
      startedBy: v.userId,
      data: input.data,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  const openedTask = await openTaskFor(tx, run!, initial, now);
  await emitRunChange(emit, { type: 'workflow.run.started', run: run!, actorId: v.userId, transition: null, closedTasks: [], openedTask });
  return run!;
}

export async function transitionRun({ db, bus, viewer }: Pick<WorkflowDeps, 'db' | 'bus' | 'viewer'>, rawInput: unknown): Promise<RunRow> {
  const input = parseInput(TransitionWorkflowRunInput, rawInput);
  const v = requireViewer(viewer);
  return transactionWithEvents(db, bus, async (tx, emit) => {
    const run = await lockRun(tx, v, input.runId);
    return fireTransition(tx, emit, v, run, input);
  });
}

/** Admins, or the member who started the run, may stop it; its open task is cancelled with it. */
export async function cancelRun({ db, bus, viewer }: Pick<WorkflowDeps, 'db' | 'bus' | 'viewer'>, rawInput: unknown): Promise<RunRow> {
  const input = parseInput(CancelWorkflowRunInput, rawInput);
  const v = requireViewer(viewer);
  return transactionWithEvents(db, bus, async (tx, emit) => {
    const run = await lockRun(tx, v, input.runId);
    const role = requireRole(v, run.organizationId);
    const starter = run.startedBy === v.userId && roleAtLeast(role, 'MEMBER');
    if (!starter && !roleAtLeast(role, 'ADMIN')) throw forbidden('Only an admin or the member who started the run may cancel it');
    if (run.status !== 'ACTIVE') {
      throw appError('RUN_FINISHED', `The run is already ${run.status.toLowerCase()}`, { currentState: run.state, status: run.status });
    }
    const now = new Date();
    const closedTasks = await closeOpenTasks(tx, run.id, 'CANCELLED', v.userId, now);
    const [updated] = await tx
      .update(runs)
      .set({ status: 'CANCELLED', updatedAt: now, finishedAt: now, cancelledBy: v.userId, cancelReason: input.reason })
      .where(eq(runs.id, run.id))
      .returning();
    await emitRunChange(emit, { type: 'workflow.run.cancelled', run: updated!, actorId: v.userId, transition: null, closedTasks, openedTask: null });
    return updated!;
  });
}
