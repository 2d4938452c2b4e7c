import type { TaskEvent } from './tasks';
import type { WorkflowRunsChangedSubscription } from './gql/graphql';

export type RunEvent = WorkflowRunsChangedSubscription['workflowRunsChanged'];

/**
 * In-app notifications fed by subscriptions: what the person is told, or null when the event is
 * not for them. Replays after a reconnect are dropped before they get here (ResumableSubscription).
 */
export function taskNotice(event: TaskEvent): string | null {
  return event.type === 'workflow.task.opened' && event.task.status === 'OPEN' && event.task.viewerIsAssignee ? `New task: ${event.task.title}` : null;
}

export function runNotice(event: RunEvent, viewerId: string): string | null {
  if (event.run.startedBy?.id !== viewerId) return null;
  if (event.type === 'workflow.run.completed') return `Your ${event.run.definition.name} run finished: ${event.run.state.replace(/_/g, ' ')}`;
  if (event.type === 'workflow.run.cancelled') return `Your ${event.run.definition.name} run was cancelled`;
  return null;
}
