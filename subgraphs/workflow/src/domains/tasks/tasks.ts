import {
  appError,
  forbidden,
  id,
  notFound,
  orderBy as orderByKeys,
  paginate,
  parseInput,
  requireViewer,
  transactionWithEvents,
  z,
  type Database,
  type PageArgs,
  type SortKey,
  type Viewer,
  requireRole,
  roleIn,
  viewerOrganizationIds,
} from '@organoise/core';
import { and, count, eq, inArray, or, sql } from 'drizzle-orm';
import { tasks, type HumanTaskStatus } from '../../db/schema.js';
import type { PageDeps, WorkflowDeps } from '../../context.js';
import { graphName } from '../definitions/spec.js';
import { fireTransition, lockRun, type RunRow, type TaskRow } from '../runs/engine.js';

export type { TaskRow };

const TaskStatus = z.enum(['OPEN', 'DONE', 'CANCELLED']);

export const CompleteTaskInput = z.object({
  taskId: id(),
  transition: graphName(),
  comment: z
    .string()
    .trim()
    .max(2000, { message: 'must be at most 2000 characters' })
    .nullish()
    .transform((v) => (v ? v : null)),
});

/** Tasks by id in organizations the viewer belongs to (batched by the loader). */
export async function tasksForViewer({ db, viewer }: Pick<WorkflowDeps, 'db' | 'viewer'>, ids: readonly string[]): Promise<TaskRow[]> {
  const orgs = viewerOrganizationIds(viewer);
  if (orgs.length === 0 || ids.length === 0) return [];
  return db
    .select()
    .from(tasks)
    .where(and(inArray(tasks.id, [...ids]), inArray(tasks.organizationId, orgs)));
}

/** A run is in one state at a time, so it has at most one open task. */
export function openTasksOfRuns(db: Database, runIds: readonly string[]): Promise<TaskRow[]> {
  if (runIds.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(tasks)
    .where(and(inArray(tasks.runId, [...runIds]), eq(tasks.status, 'OPEN')));
}

/** Whether the viewer is who the task waits for: its assignee, or a holder of its role in the task's organization. */
export function isAssignedTo(task: Pick<TaskRow, 'organizationId' | 'assigneeId' | 'assigneeRole'>, viewer: Viewer | null): boolean {
  if (!viewer) return false;
  const role = roleIn(viewer, task.organizationId);
  if (!role) return false;
  return task.assigneeId === viewer.userId || (task.assigneeRole !== null && task.assigneeRole === role);
}

export function listRunTasks({ loaders: { page }, viewer }: PageDeps, run: RunRow, args: PageArgs & { status?: HumanTaskStatus | null }) {
  requireRole(viewer, run.organizationId);
  const { status } = parseInput(z.object({ status: TaskStatus.nullish() }), { status: args.status ?? null });
  return page<TaskRow>(
    {
      signature: `run.tasks:${status ?? ''}`,
      table: tasks,
      parent: tasks.runId,
      parentId: run.id,
      where: status ? eq(tasks.status, status) : undefined,
      keys: [
        { column: tasks.createdAt, cast: 'timestamptz', direction: 'ASC', value: (r) => r.createdAt },
        { column: tasks.id, cast: 'uuid', direction: 'ASC', value: (r) => r.id },
      ],
    },
    args,
  );
}

export type MyTasksArgs = PageArgs & { filter?: { status?: HumanTaskStatus | null; organizationId?: string | null } | null };

/**
 * The viewer's inbox: tasks assigned to them by name, or to the role they hold in the task's
 * organization, newest first. Only organizations they still belong to count.
 */
export function listMyTasks({ db, viewer }: Pick<WorkflowDeps, 'db' | 'viewer'>, args: MyTasksArgs) {
  const v = requireViewer(viewer);
  const { filter } = parseInput(
    z.object({ filter: z.object({ status: TaskStatus.nullish(), organizationId: id().nullish() }).nullish() }),
    { filter: args.filter ?? null },
  );
  const status = filter?.status ?? 'OPEN';
  const orgs = viewerOrganizationIds(v).filter((orgId) => !filter?.organizationId || orgId === filter.organizationId);
  const where =
    orgs.length === 0
      ? sql`false`
      : and(
          eq(tasks.status, status),
          inArray(tasks.organizationId, orgs),
          or(
            eq(tasks.assigneeId, v.userId),
            ...orgs.map((orgId) => and(eq(tasks.organizationId, orgId), eq(tasks.assigneeRole, roleIn(v, orgId)!))),
          ),
        );
  const keys: SortKey<TaskRow>[] = [
    { column: tasks.createdAt, cast: 'timestamptz', direction: 'DESC', value: (r) => r.createdAt },
    { column: tasks.id, cast: 'uuid', direction: 'DESC', value: (r) => r.id },
  ];
  return paginate({
    args,
    keys,
    fetch: (after, limit) =>
      db
        .select()
        .from(tasks)
        .where(and(where, after))
        .orderBy(...orderByKeys(keys))
        .limit(limit),
    count: async () => (await db.select({ n: count() }).from(tasks).where(where))[0]?.n ?? 0,
  });
}

/**
 * The task's assignee (or a holder of its role) fires a transition out of the task's state;
 * leaving the state marks the task done. The transition's own role rule still applies.
 */
export async function completeTask({ db, bus, viewer }: Pick<WorkflowDeps, 'db' | 'bus' | 'viewer'>, rawInput: unknown): Promise<TaskRow> {
  const input = parseInput(CompleteTaskInput, rawInput);
  const v = requireViewer(viewer);
  return transactionWithEvents(db, bus, async (tx, emit) => {
    const [found] = await tx.select({ runId: tasks.runId, organizationId: tasks.organizationId }).from(tasks).where(eq(tasks.id, input.taskId));
    if (!found || !roleIn(v, found.organizationId)) throw notFound('Task');
    const run = await lockRun(tx, v, found.runId);
    // Read again under the run's lock: a concurrent transition may have closed it meanwhile.
    const [task] = await tx.select().from(tasks).where(eq(tasks.id, input.taskId));
    if (run.status !== 'ACTIVE') {
      throw appError('RUN_FINISHED', `The run is ${run.status.toLowerCase()} and accepts no more transitions`, { currentState: run.state, status: run.status });
    }
    if (!task || task.status !== 'OPEN') {
      throw appError('STALE_STATE', `The task is already ${task?.status.toLowerCase() ?? 'closed'}; the run is in state "${run.state}"`, { currentState: run.state });
    }
    if (!isAssignedTo(task, v)) throw forbidden('This task is assigned to someone else');
    await fireTransition(tx, emit, v, run, { transition: input.transition, comment: input.comment, expectedState: task.state });
    const [done] = await tx.select().from(tasks).where(eq(tasks.id, task.id));
    return done!;
  });
}
