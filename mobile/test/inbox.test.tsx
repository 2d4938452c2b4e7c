import { describe, expect, it } from '@jest/globals';
import { act, fireEvent, screen, waitFor } from 'expo-router/testing-library';
import { authFetch, gatewayFor, renderApp, runEvent, signedInSession, task, taskEvent } from './harness';
import { setOnline } from './network-mock';

// The inbox on the real app (screens, expo-router, Apollo cache); the gateway is a stand-in
// (test/harness.tsx) and expo-network / AsyncStorage are mocked, being native (test/setup.ts).

async function openInbox(tasks = {}) {
  const gateway = gatewayFor(tasks);
  const session = signedInSession(authFetch().fetch);
  const app = await renderApp({ gateway, session });
  await screen.findByText('Nothing waiting for you. New tasks appear here as they are assigned.');
  await waitFor(() => expect(gateway.subscriptions('MyTasksChanged')).toBe(1));
  return { gateway, session, app };
}

describe('the inbox', () => {
  it('should add a task assigned live to the list and the badge, and tell the person', async () => {
    const { gateway } = await openInbox();
    await act(async () => void gateway.publish('MyTasksChanged', (cursor) => taskEvent(cursor, task('t1'))));
    expect(await screen.findByText('Approve expense t1')).toBeTruthy();
    expect(screen.getByTestId('notice').props.children).toBe('New task: Approve expense t1');
    expect(screen.getByLabelText('1 open task')).toBeTruthy();

    await act(async () => void gateway.publish('MyTasksChanged', (cursor) => taskEvent(cursor, task('t2'))));
    expect(await screen.findByLabelText('2 open tasks')).toBeTruthy();

    // Done elsewhere (the person's other device): it leaves the list and the badge counts down.
    await act(async () => void gateway.publish('MyTasksChanged', (cursor) => taskEvent(cursor, task('t1', { status: 'DONE' }))));
    await waitFor(() => expect(screen.queryByText('Approve expense t1')).toBeNull());
    expect(screen.getByLabelText('1 open task')).toBeTruthy();
    await act(async () => void gateway.publish('MyTasksChanged', (cursor) => taskEvent(cursor, task('t2', { status: 'DONE' }))));
    await waitFor(() => expect(screen.queryByTestId('inbox-badge')).toBeNull());
  });

  it('should tell the person when a run they started finished, and not when someone else’s did', async () => {
    const { gateway } = await openInbox();
    await waitFor(() => expect(gateway.subscriptions('WorkflowRunsChanged')).toBe(1));
    await act(async () => void gateway.publish('WorkflowRunsChanged', (cursor) => runEvent(cursor, 'run-9', 'COMPLETED', 'u2')));
    expect(screen.queryByTestId('notice')).toBeNull();
    await act(async () => void gateway.publish('WorkflowRunsChanged', (cursor) => runEvent(cursor, 'run-8', 'COMPLETED', 'u1')));
    expect((await screen.findByTestId('notice')).props.children).toBe('Your Expense run finished: approved');
    // Tapping the notice dismisses it.
    await fireEvent.press(screen.getByAccessibilityHint('Dismisses the notification'));
    expect(screen.queryByTestId('notice')).toBeNull();
  });

  it('should resume from its last cursor after the network drops: the missed task shown, none twice', async () => {
    const { gateway } = await openInbox();
    const first = await act(async () => gateway.publish('MyTasksChanged', (cursor) => taskEvent(cursor, task('t1'))));
    await screen.findByText('Approve expense t1');

    await act(async () => setOnline(false));
    expect(await screen.findByLabelText('Live updates: Offline: showing what was last seen')).toBeTruthy();
    expect(gateway.subscriptions('MyTasksChanged')).toBe(0);
    // Assigned while the phone was offline: no socket delivered it.
    gateway.publish('MyTasksChanged', (cursor) => taskEvent(cursor, task('t2')));
    // The stand-in replays from the cursor itself too (an overlapping replay): t1 must not come twice.
    gateway.overlapReplay = true;
    expect(screen.queryByText('Approve expense t2')).toBeNull();

    await act(async () => setOnline(true));
    expect(await screen.findByText('Approve expense t2')).toBeTruthy();
    expect(screen.getAllByText('Approve expense t1')).toHaveLength(1);
    expect(screen.getByLabelText('2 open tasks')).toBeTruthy();
    const subscribes = gateway.named('MyTasksChanged');
    expect(subscribes.map((s) => s.variables.after ?? null)).toEqual([null, first]);
    expect(screen.getByLabelText('Live updates: Live')).toBeTruthy();
  });

  it('should read the inbox afresh when pulled down', async () => {
    const tasks: Record<string, ReturnType<typeof task>[]> = {};
    const { gateway } = await openInbox(tasks);
    tasks['org-1'] = [task('t7')];
    // The list's pull-to-refresh control, as the person's swipe would call it.
    const list = screen.getByTestId('task-list');
    await act(async () => (list.props.refreshControl as { props: { onRefresh(): void } }).props.onRefresh());
    expect(await screen.findByText('Approve expense t7')).toBeTruthy();
    expect(gateway.named('MyTasks')).toHaveLength(2);
  });

  it('should switch organization and show that organization’s tasks', async () => {
    const { gateway } = await openInbox({ 'org-2': [task('g1', { organizationId: 'org-2' })] });
    await fireEvent.press(screen.getByLabelText('Organization: Acme. Switch organization'));
    const globex = await screen.findByLabelText('Globex, member');
    expect(screen.getByLabelText('Acme, member').props.accessibilityState?.checked ?? screen.getByLabelText('Acme, member').props['aria-checked']).toBe(true);
    await fireEvent.press(globex);
    expect(await screen.findByText('Approve expense g1')).toBeTruthy();
    expect(screen.getByLabelText('Organization: Globex. Switch organization')).toBeTruthy();
    expect(gateway.named('MyTasks').map((r) => r.variables.organizationId)).toEqual(['org-1', 'org-2']);
  });
});
