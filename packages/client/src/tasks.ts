import type { ApolloCache } from '@apollo/client';
import { MyTasksDocument } from './gql/graphql';
import type { MyTasksChangedSubscription, TaskFieldsFragment } from './gql/graphql';

export type TaskEvent = MyTasksChangedSubscription['myTasksChanged'];

/**
 * Writes one myTasksChanged event into the inbox query of its organization: an opened task is
 * added on top (once: a replayed event finds it there), a closed one is removed. The task itself,
 * and its run, are normalized objects the event's result already updated everywhere they show.
 * Returns whether the inbox changed.
 */
export function applyTaskEvent(cache: ApolloCache, organizationId: string, event: TaskEvent): boolean {
  let changed = false;
  cache.updateQuery({ query: MyTasksDocument, variables: { organizationId } }, (data) => {
    // The inbox was never read: nothing cached to update; it is read whole when first shown.
    if (!data) return data;
    const nodes = data.myTasks.nodes;
    const present = nodes.some((task) => task.id === event.task.id);
    const open = event.task.status === 'OPEN';
    if (open === present) return data;
    changed = true;
    const next: TaskFieldsFragment[] = open ? [event.task, ...nodes] : nodes.filter((task) => task.id !== event.task.id);
    return { ...data, myTasks: { ...data.myTasks, nodes: next, totalCount: Math.max(0, data.myTasks.totalCount + (open ? 1 : -1)) } };
  });
  return changed;
}

/** The inbox badge: open tasks the viewer (or their role) must act on, "99+" past 99, none at 0. */
export function badgeText(tasks: readonly Pick<TaskFieldsFragment, 'status' | 'viewerIsAssignee'>[]): string | null {
  const count = tasks.filter((task) => task.status === 'OPEN' && task.viewerIsAssignee).length;
  if (count === 0) return null;
  return count > 99 ? '99+' : String(count);
}
