import { ApolloClient, ApolloLink } from '@apollo/client';
import { print } from 'graphql';
import { Observable, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createCache } from '../src/apollo';
import { MyTasksChangedDocument, MyTasksDocument, WorkflowRunDocument } from '../src/documents';
import type { RunDetailFieldsFragment, TaskFieldsFragment } from '../src/gql/graphql';
import { applyTaskEvent, badgeText } from '../src/tasks';
import { fireTransition } from '../src/transitions';

// The app's own cache logic on a real Apollo Client and InMemoryCache; only the network is a
// stand-in link (no gateway in a unit test), whose answers the test releases when it chooses.
function standInLink() {
  const pending: { operation: string; variables: Record<string, unknown>; reply: Subject<ApolloLink.Result> }[] = [];
  const link = new ApolloLink(
    (operation) =>
      new Observable<ApolloLink.Result>((observer) => {
        const reply = new Subject<ApolloLink.Result>();
        pending.push({ operation: operation.operationName ?? print(operation.query), variables: operation.variables, reply });
        const subscription = reply.subscribe(observer);
        return () => subscription.unsubscribe();
      }),
  );
  const answer = (operation: string, result: ApolloLink.Result) => {
    const index = pending.findIndex((p) => p.operation === operation);
    const [entry] = pending.splice(index, 1);
    entry!.reply.next(result);
    entry!.reply.complete();
    return entry!;
  };
  return { link, pending, answer };
}

const run = (state: string, transitions: { name: string; from: string; to: string }[]): RunDetailFieldsFragment & { __typename: 'WorkflowRun' } => ({
  __typename: 'WorkflowRun',
  id: 'run-1',
  state,
  status: 'ACTIVE',
  createdAt: '2026-12-05T12:00:00Z',
  updatedAt: '2026-12-05T12:00:00Z',
  finishedAt: null,
  organization: { __typename: 'Organization', id: 'org-1' },
  definition: { __typename: 'WorkflowDefinition', id: 'def-1', name: 'Expense' },
  startedBy: { __typename: 'User', id: 'u2', name: 'Linus' },
  availableTransitions: transitions.map((t) => ({ __typename: 'WorkflowTransition', ...t })),
  history: { __typename: 'WorkflowRunHistoryConnection', nodes: [] },
} as never);

const task = (id: string, status: 'OPEN' | 'DONE'): TaskFieldsFragment & { __typename: 'HumanTask' } => ({
  __typename: 'HumanTask',
  id,
  title: `Approve ${id}`,
  state: 'review',
  status,
  viewerIsAssignee: true,
  assigneeRole: 'OWNER',
  createdAt: '2026-12-05T12:00:00Z',
  assignee: null,
  organization: { __typename: 'Organization', id: 'org-1' },
  run: { __typename: 'WorkflowRun', id: `run-of-${id}`, state: 'review', status: 'ACTIVE', definition: { __typename: 'WorkflowDefinition', id: 'def-1', name: 'Expense' }, availableTransitions: [] },
} as never);

describe('optimistic transitions (stand-in link)', () => {
  async function withRun() {
    const network = standInLink();
    const client = new ApolloClient({ link: network.link, cache: createCache() });
    client.writeQuery({ query: WorkflowRunDocument, variables: { id: 'run-1' }, data: { __typename: 'Query', workflowRun: run('review', [{ name: 'approve', from: 'review', to: 'approved' }]) } });
    // optimistic: what the screens render, optimistic layers included.
    const read = () => client.readQuery({ query: WorkflowRunDocument, variables: { id: 'run-1' }, optimistic: true })!.workflowRun!;
    return { network, client, read };
  }

  it('should show the new state at once, offering no step, and keep the gateway’s answer', async () => {
    const { network, client, read } = await withRun();
    const outcome = fireTransition(client, read(), { name: 'approve', to: 'approved' });
    await Promise.resolve();
    expect(read().state).toBe('approved');
    expect(read().availableTransitions).toEqual([]);
    expect(network.pending[0]!.variables).toEqual({ input: { runId: 'run-1', transition: 'approve', expectedState: 'review' } });
    network.answer('TransitionWorkflowRun', { data: { __typename: 'Mutation', transitionWorkflowRun: run('approved', [{ name: 'pay', from: 'approved', to: 'paid' }]) } });
    expect(await outcome).toMatchObject({ ok: true });
    expect(read().state).toBe('approved');
    expect(read().availableTransitions.map((t) => t.name)).toEqual(['pay']);
  });

  it('should roll back to the state before when refused, with a sentence chosen by the error code', async () => {
    const { network, client, read } = await withRun();
    const outcome = fireTransition(client, read(), { name: 'approve', to: 'approved' });
    await Promise.resolve();
    expect(read().state).toBe('approved');
    network.answer('TransitionWorkflowRun', { errors: [{ message: 'role OWNER required (internal detail)', extensions: { code: 'TRANSITION_NOT_ALLOWED' } }], data: null });
    expect(await outcome).toEqual({ ok: false, stale: false, error: { code: 'TRANSITION_NOT_ALLOWED', message: 'Your role may not take this step.' } });
    expect(read().state).toBe('review');
    expect(read().availableTransitions.map((t) => t.name)).toEqual(['approve']);
  });

  it('should say the run moved on, and ask for a refetch, when the step was chosen on a stale screen', async () => {
    const { network, client, read } = await withRun();
    const outcome = fireTransition(client, read(), { name: 'approve', to: 'approved' });
    await Promise.resolve();
    network.answer('TransitionWorkflowRun', { errors: [{ message: 'stale', extensions: { code: 'STALE_STATE' } }], data: null });
    expect(await outcome).toMatchObject({ ok: false, stale: true, error: { code: 'STALE_STATE' } });
    expect(read().state).toBe('review');
  });
});

describe('the inbox from subscription events (stand-in link)', () => {
  it('should add an opened task on top once, remove a closed one, and count the badge', async () => {
    const network = standInLink();
    const client = new ApolloClient({ link: network.link, cache: createCache() });
    client.writeQuery({ query: MyTasksDocument, variables: { organizationId: 'org-1' }, data: { __typename: 'Query', myTasks: { __typename: 'HumanTaskConnection', totalCount: 1, nodes: [task('t1', 'OPEN')] } as never } });
    const inbox = () => client.readQuery({ query: MyTasksDocument, variables: { organizationId: 'org-1' } })!.myTasks;

    // The event arrives through a real subscription, so Apollo normalizes it like the app's would.
    const events: unknown[] = [];
    client.subscribe({ query: MyTasksChangedDocument, variables: { organizationId: 'org-1', after: null } }).subscribe((result) => {
      if (result.data) events.push(result.data), applyTaskEvent(client.cache, 'org-1', result.data.myTasksChanged);
    });
    const stream = network.pending.find((p) => p.operation === 'MyTasksChanged')!;
    stream.reply.next({ data: { myTasksChanged: { __typename: 'HumanTaskEvent', cursor: '7', type: 'workflow.task.opened', at: '2026-12-05T12:01:00Z', task: task('t2', 'OPEN') } } });
    expect(inbox().nodes.map((t) => t.id)).toEqual(['t2', 't1']);
    expect(inbox().totalCount).toBe(2);
    expect(badgeText(inbox().nodes)).toBe('2');

    // The same event replayed after a reconnect changes nothing.
    expect(applyTaskEvent(client.cache, 'org-1', { __typename: 'HumanTaskEvent', cursor: '7', type: 'workflow.task.opened', at: '', task: task('t2', 'OPEN') })).toBe(false);
    expect(inbox().nodes.map((t) => t.id)).toEqual(['t2', 't1']);

    stream.reply.next({ data: { myTasksChanged: { __typename: 'HumanTaskEvent', cursor: '8', type: 'workflow.task.closed', at: '2026-12-05T12:02:00Z', task: task('t1', 'DONE') } } });
    expect(inbox().nodes.map((t) => t.id)).toEqual(['t2']);
    expect(badgeText(inbox().nodes)).toBe('1');
    expect(events).toHaveLength(2);
  });

  it('should leave an inbox that was never read alone, and show no badge for none', () => {
    const client = new ApolloClient({ link: ApolloLink.empty(), cache: createCache() });
    expect(applyTaskEvent(client.cache, 'org-1', { __typename: 'HumanTaskEvent', cursor: '1', type: 'workflow.task.opened', at: '', task: task('t1', 'OPEN') })).toBe(false);
    expect(badgeText([])).toBeNull();
    expect(badgeText(Array.from({ length: 120 }, () => ({ status: 'OPEN' as const, viewerIsAssignee: true })))).toBe('99+');
  });
});
