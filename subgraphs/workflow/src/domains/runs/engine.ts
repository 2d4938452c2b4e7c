import { randomUUID } from 'node:crypto';
import { appError, notFound, type Database, type Emit, type Viewer, roleIn } from '@organoise/core';
import { and, eq } from 'drizzle-orm';
import { definitionVersions, runs, runTransitions, tasks, type HumanTaskStatus } from '../../db/schema.js';
import type { WorkflowSpec, WorkflowStateSpec, WorkflowTransitionSpec } from '../definitions/spec.js';
import { emitRunChange } from './events.js';

/**
 * The state machine. Everything here runs inside the caller's transaction with the run row
 * locked, so two concurrent transitions of one run are serialised and the loser sees the state
 * the winner left (STALE_STATE or INVALID_TRANSITION), never a lost update.
 */
export type RunRow = typeof runs.$inferSelect;
export type TaskRow = typeof tasks.$inferSelect;

/** Locks the run for the rest of the transaction. Runs of other tenants are NOT_FOUND. */
export async function lockRun(tx: Database, viewer: Viewer, runId: string): Promise<RunRow> {
  const [run] = await tx.select().from(runs).where(eq(runs.id, runId)).for('update');
  if (!run || !roleIn(viewer, run.organizationId)) throw notFound('Workflow run');
  return run;
}

export async function specOfRun(tx: Database, run: Pick<RunRow, 'definitionId' | 'definitionVersion'>): Promise<WorkflowSpec> {
  const [version] = await tx
    .select({ spec: definitionVersions.spec })
    .from(definitionVersions)
    .where(and(eq(definitionVersions.definitionId, run.definitionId), eq(definitionVersions.version, run.definitionVersion)));
  if (!version) throw new Error(`run pins missing definition version ${run.definitionId}@${run.definitionVersion}`);
  return version.spec;
}

/** Transitions out of the run's current state that the viewer's role may fire. */
export function firableTransitions(spec: WorkflowSpec, run: RunRow, viewer: Viewer | null): WorkflowTransitionSpec[] {
  const role = roleIn(viewer, run.organizationId);
  if (!role || run.status !== 'ACTIVE') return [];
  return spec.transitions.filter((t) => t.from === run.state && t.allowedRoles.includes(role));
}

/** Entering a state with a task spec opens the task: for the starter, for holders of a role, or both. */
export async function openTaskFor(tx: Database, run: RunRow, state: WorkflowStateSpec, now: Date): Promise<TaskRow | null> {
  if (!state.task) return null;
  const [task] = await tx
    .insert(tasks)
    .values({
      id: randomUUID(),
      organizationId: run.organizationId,
      runId: run.id,
      state: state.name,
      title: state.task.title,
      assigneeId: state.task.assignToStarter ? run.startedBy : null,
      assigneeRole: state.task.assigneeRole,
      status: 'OPEN',
      createdAt: now,
    })
    .returning();
  return task!;
}

export async function closeOpenTasks(tx: Database, runId: string, status: Exclude<HumanTaskStatus, 'OPEN'>, actorId: string, now: Date): Promise<TaskRow[]> {
  return tx
    .update(tasks)
    .set({ status, completedAt: now, completedBy: actorId })
    .where(and(eq(tasks.runId, runId), eq(tasks.status, 'OPEN')))
    .returning();
}

export interface TransitionRequest {
  transition: string;
  comment: string | null;
  /** When given, the run must still be in this state. */
  expectedState: string | null;
}

/**
 * Fires one transition on a run locked by `lockRun`. Refusals are checked before any write (and
 * before any event), in the order that tells the caller most: a finished run, then a run that
 * moved on, then a transition that does not leave this state, then a role that may not fire it.
 */
export async function fireTransition(tx: Database, emit: Emit, viewer: Viewer, run: RunRow, request: TransitionRequest): Promise<RunRow> {
  const role = roleIn(viewer, run.organizationId);
  if (!role) throw notFound('Workflow run');
  if (run.status !== 'ACTIVE') {
    throw appError('RUN_FINISHED', `The run is ${run.status.toLowerCase()} and accepts no more transitions`, { currentState: run.state, status: run.status });
  }
  if (request.expectedState !== null && request.expectedState !== run.state) {
    throw appError('STALE_STATE', `The run is in state "${run.state}", not "${request.expectedState}"`, { currentState: run.state });
  }
  const spec = await specOfRun(tx, run);
  const transition = spec.transitions.find((t) => t.from === run.state && t.name === request.transition);
  if (!transition) {
    throw appError('INVALID_TRANSITION', `No transition "${request.transition}" leaves state "${run.state}"`, {
      currentState: run.state,
      transitions: spec.transitions.filter((t) => t.from === run.state).map((t) => t.name),
    });
  }
  if (!transition.allowedRoles.includes(role)) {
    throw appError('TRANSITION_NOT_ALLOWED', `The ${role} role may not fire "${transition.name}"`, { allowedRoles: transition.allowedRoles });
  }
  const target = spec.states.find((s) => s.name === transition.to);
  if (!target) throw new Error(`definition ${run.definitionId}@${run.definitionVersion} has a transition to a missing state`);

  const now = new Date();
  const seq = run.transitionCount + 1;
  const closedTasks = await closeOpenTasks(tx, run.id, 'DONE', viewer.userId, now);
  await tx.insert(runTransitions).values({
    id: randomUUID(),
    runId: run.id,
    seq,
    transition: transition.name,
    fromState: run.state,
    toState: target.name,
    actorId: viewer.userId,
    comment: request.comment,
    at: now,
  });
  const [updated] = await tx
    .update(runs)
    .set({
      state: target.name,
      status: target.final ? 'COMPLETED' : 'ACTIVE',
      transitionCount: seq,
      updatedAt: now,
      finishedAt: target.final ? now : null,
    })
    .where(eq(runs.id, run.id))
    .returning();
  const openedTask = await openTaskFor(tx, updated!, target, now);
  await emitRunChange(emit, {
    type: target.final ? 'workflow.run.completed' : 'workflow.run.transitioned',
    run: updated!,
    actorId: viewer.userId,
    transition: { name: transition.name, from: run.state, to: target.name },
    closedTasks,
    openedTask,
  });
  return updated!;
}
