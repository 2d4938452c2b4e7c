import type { Emit, Role } from '@organoise/core';
import type { HumanTaskStatus, runs, tasks } from '../../db/schema.js';

type RunRow = typeof runs.$inferSelect;
type TaskRow = typeof tasks.$inferSelect;

/**
 * The workflow subgraph's domain events (docs/protocols/subscriptions.md). Payloads carry ids,
 * states and the actor only: never run data or comments, which a subscriber reads through the
 * entity, under its own access checks.
 */
export const runStream = (runId: string) => `workflow.run:${runId}`;
export const organizationRunsStream = (organizationId: string) => `workflow.org:${organizationId}:runs`;
export const organizationTasksStream = (organizationId: string) => `workflow.org:${organizationId}:tasks`;

export type RunEventType = 'workflow.run.started' | 'workflow.run.transitioned' | 'workflow.run.completed' | 'workflow.run.cancelled';
export type TaskEventType = 'workflow.task.opened' | 'workflow.task.closed';

export interface RunEventPayload {
  runId: string;
  definitionId: string;
  /** The run's state after the change. */
  state: string;
  /** Set for the transition that caused the event (null when the run started or was cancelled). */
  from: string | null;
  to: string | null;
  transition: string | null;
  actorId: string;
}

export interface TaskEventPayload {
  taskId: string;
  runId: string;
  assigneeId: string | null;
  assigneeRole: Role | null;
  status: HumanTaskStatus;
}

export interface RunChange {
  /** A transition into a final state is `completed` (one event per change, not two). */
  type: RunEventType;
  run: RunRow;
  actorId: string;
  transition: { name: string; from: string; to: string } | null;
  closedTasks: TaskRow[];
  openedTask: TaskRow | null;
}

/**
 * Appends the events of one run change inside its transaction. Every change appends in the same
 * stream order (the run, the organization's runs, then its tasks): an append row-locks its
 * stream's head until commit, so one order keeps concurrent changes in an organization from
 * deadlocking on each other's heads.
 */
export async function emitRunChange(emit: Emit, change: RunChange): Promise<void> {
  const { run } = change;
  const payload: RunEventPayload = {
    runId: run.id,
    definitionId: run.definitionId,
    state: run.state,
    from: change.transition?.from ?? null,
    to: change.transition?.to ?? null,
    transition: change.transition?.name ?? null,
    actorId: change.actorId,
  };
  for (const stream of [runStream(run.id), organizationRunsStream(run.organizationId)]) {
    await emit({ stream, type: change.type, organizationId: run.organizationId, payload: { ...payload } });
  }
  const taskEvents: { type: TaskEventType; task: TaskRow }[] = [
    ...change.closedTasks.map((task) => ({ type: 'workflow.task.closed' as const, task })),
    ...(change.openedTask ? [{ type: 'workflow.task.opened' as const, task: change.openedTask }] : []),
  ];
  for (const { type, task } of taskEvents) {
    const taskPayload: TaskEventPayload = { taskId: task.id, runId: task.runId, assigneeId: task.assigneeId, assigneeRole: task.assigneeRole, status: task.status };
    await emit({ stream: organizationTasksStream(task.organizationId), type, organizationId: task.organizationId, payload: { ...taskPayload } });
  }
}
