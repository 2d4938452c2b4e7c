import { eventCursor, followFor, id, inViewersOrganizations, notFound, parseInput, requireRole, requireViewer, z, type EventSource } from '@organoise/core';
import type { WorkflowDeps } from '../../context.js';
import { organizationRunsStream, organizationTasksStream, runStream, type TaskEventPayload } from '../runs/events.js';
import { runsForViewer } from '../runs/runs.js';
import { isAssignedTo } from '../tasks/tasks.js';

/**
 * Subscriptions: who may follow which stream, and which of its events they receive. Access is
 * checked like the queries' when the subscription starts, then again for every event, against
 * the rights the gateway sent for this connection.
 */
export type LiveServices = Pick<WorkflowDeps, 'db' | 'bus' | 'eventPollIntervalMs' | 'viewer'>;

const RunArgs = z.object({ runId: id(), after: eventCursor() });
const OrganizationArgs = z.object({ organizationId: id(), after: eventCursor() });


export async function followRun(services: LiveServices, rawArgs: unknown): Promise<EventSource> {
  const { viewer } = services;
  const args = parseInput(RunArgs, rawArgs);
  const v = requireViewer(viewer);
  const [run] = await runsForViewer({ db: services.db, viewer: v }, [args.runId]);
  if (!run) throw notFound('Workflow run');
  return followFor(services, runStream(run.id), args.after, inViewersOrganizations(v));
}

export function followOrganizationRuns(services: LiveServices, rawArgs: unknown): EventSource {
  const { viewer } = services;
  const args = parseInput(OrganizationArgs, rawArgs);
  const v = requireViewer(viewer);
  requireRole(v, args.organizationId);
  return followFor(services, organizationRunsStream(args.organizationId), args.after, inViewersOrganizations(v));
}

/** The organization's task events, kept only for tasks that wait for the viewer (as myTasks lists them). */
export function followMyTasks(services: LiveServices, rawArgs: unknown): EventSource {
  const { viewer } = services;
  const args = parseInput(OrganizationArgs, rawArgs);
  const v = requireViewer(viewer);
  requireRole(v, args.organizationId);
  return followFor(services, organizationTasksStream(args.organizationId), args.after, (event) => {
    if (event.organizationId === null) return false;
    const task = event.payload as unknown as TaskEventPayload;
    return isAssignedTo({ organizationId: event.organizationId, assigneeId: task.assigneeId, assigneeRole: task.assigneeRole }, v);
  });
}
