import { id, notFound, parseInput, requireViewer, streamIterator, z, type EventMessage, type Viewer, eventCursor, requireRole, roleIn } from '@organoise/core';
import type { WorkflowServices } from '../../context.js';
import { organizationRunsStream, organizationTasksStream, runStream, type TaskEventPayload } from '../runs/events.js';
import { runsForViewer } from '../runs/runs.js';
import { isAssignedTo } from '../tasks/tasks.js';

/**
 * Subscriptions: who may follow which stream, and which of its events they receive. Access is
 * checked like the queries' when the subscription starts, then again for every event, against
 * the rights the gateway sent for this connection.
 */
export type LiveServices = Pick<WorkflowServices, 'db' | 'bus' | 'eventPollIntervalMs'>;
export type EventSource = AsyncIterableIterator<EventMessage>;

const RunArgs = z.object({ runId: id(), after: eventCursor() });
const OrganizationArgs = z.object({ organizationId: id(), after: eventCursor() });

type Filter = (event: EventMessage) => boolean;

const inViewersOrganization =
  (viewer: Viewer): Filter =>
  (event) =>
    event.organizationId !== null && roleIn(viewer, event.organizationId) !== null;

function follow(services: LiveServices, stream: string, after: number | null, filter: Filter): EventSource {
  return streamIterator({ bus: services.bus, stream, after, filter, pollIntervalMs: services.eventPollIntervalMs });
}

export async function followRun(services: LiveServices, viewer: Viewer | null, rawArgs: unknown): Promise<EventSource> {
  const args = parseInput(RunArgs, rawArgs);
  const v = requireViewer(viewer);
  const [run] = await runsForViewer(services.db, v, [args.runId]);
  if (!run) throw notFound('Workflow run');
  return follow(services, runStream(run.id), args.after, inViewersOrganization(v));
}

export function followOrganizationRuns(services: LiveServices, viewer: Viewer | null, rawArgs: unknown): EventSource {
  const args = parseInput(OrganizationArgs, rawArgs);
  const v = requireViewer(viewer);
  requireRole(v, args.organizationId);
  return follow(services, organizationRunsStream(args.organizationId), args.after, inViewersOrganization(v));
}

/** The organization's task events, kept only for tasks that wait for the viewer (as myTasks lists them). */
export function followMyTasks(services: LiveServices, viewer: Viewer | null, rawArgs: unknown): EventSource {
  const args = parseInput(OrganizationArgs, rawArgs);
  const v = requireViewer(viewer);
  requireRole(v, args.organizationId);
  return follow(services, organizationTasksStream(args.organizationId), args.after, (event) => {
    if (event.organizationId === null) return false;
    const task = event.payload as unknown as TaskEventPayload;
    return isAssignedTo({ organizationId: event.organizationId, assigneeId: task.assigneeId, assigneeRole: task.assigneeRole }, v);
  });
}
